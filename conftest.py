"""Loads the ipc_spec plugin when this checkout is used without installing the package.

Installed, the plugin comes through its ``pytest11`` entry point under the name ``ipc_spec``; here it is
registered under that same name, and not at all when ``-p no:ipc_spec`` blocked it.
"""


def pytest_addhooks(pluginmanager):
    if pluginmanager.get_plugin("ipc_spec") is None and not pluginmanager.is_blocked("ipc_spec"):
        import ipc_spec.plugin

        if not pluginmanager.is_registered(ipc_spec.plugin):
            pluginmanager.register(ipc_spec.plugin, "ipc_spec")
