"""The agent as a box runs it: its modules assembled into one spotbox_agent.py (scripts/assembleAgent.mjs, as
`npm run build` does), in a temporary folder, once per test run. The tests of the whole agent import that file, so
they test exactly what ships; the tests of one module import it from the package (resources/agent/src/agent)."""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
AGENT_DIR = os.path.join(REPO_ROOT, 'resources', 'agent')
MODULES_DIR = os.path.join(AGENT_DIR, 'src')
_assembled = []


def assembled_agent_dir():
    """A folder holding the assembled spotbox_agent.py."""
    if not _assembled:
        folder = tempfile.mkdtemp(prefix='spotbox-agent-')
        atexit.register(shutil.rmtree, folder, True)
        subprocess.run(['node', os.path.join(REPO_ROOT, 'scripts', 'assembleAgent.mjs'), '--out', os.path.join(folder, 'spotbox_agent.py')],
                       check=True, stdout=subprocess.DEVNULL, cwd=REPO_ROOT)
        _assembled.append(folder)
    return _assembled[0]


def import_agent():
    """The assembled agent as the module `spotbox_agent`, with the bootstrap it takes SigV4 from importable too."""
    for folder in (AGENT_DIR, assembled_agent_dir()):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    import spotbox_agent
    return spotbox_agent


def import_modules():
    """The agent's package (`agent`), for the tests of one module; the bootstrap is importable beside it."""
    for folder in (AGENT_DIR, MODULES_DIR):
        if folder not in sys.path:
            sys.path.insert(0, folder)
