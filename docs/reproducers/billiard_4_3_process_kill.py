"""billiard 4.3's Process has no kill() (python billiard_4_3_process_kill.py).

multiprocessing.Process.kill() (3.7): "Same as terminate() but using the SIGKILL signal on POSIX".
Prints what kill() of a running billiard child does, and the child's exit code after terminate().
"""
import time

import billiard as mp


if __name__ == "__main__":
    child = mp.Process(target=time.sleep, args=(30,))
    child.start()
    try:
        child.kill()
        print("kill(): returned")
    except AttributeError as e:
        print("kill(): AttributeError:", e)
    child.terminate()
    child.join(10)
    print("after terminate(): exitcode", child.exitcode)
