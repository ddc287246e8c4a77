"""A real nginx (Debian's package) serving a built site with the block `lotse nginx` prints.

Started as a normal process on 127.0.0.1 with a free port and a throwaway prefix
(config, pid, logs and temp folders in a temp dir), stopped afterwards. Used by
tests/test_server.py, tests/test_csp_browser.py and benchmarks/transfer_bench.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MIME_TYPES = Path("/etc/nginx/mime.types")


def available() -> bool:
    return Path(NGINX).exists() and MIME_TYPES.is_file()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def run_nginx(site_dir: Path, workdir: Path | None = None):
    """Yield ``http://127.0.0.1:<port>`` while nginx serves ``site_dir``."""
    from lotse.site.server import nginx_server_block

    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lotse-nginx-")))
        workdir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        shutil.copy(MIME_TYPES, workdir / "mime.types")
        temp = workdir / "temp"
        temp.mkdir(exist_ok=True)
        block = nginx_server_block(site_dir, listen=f"127.0.0.1:{port}", server_name="localhost")
        # As root, nginx would hand the requests to the user "nobody", who cannot read a 0700 temp dir.
        user = "user root;\n" if os.geteuid() == 0 else ""
        temps = "".join(f"  {kind}_temp_path {temp / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (workdir / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {workdir / 'nginx.pid'};\nerror_log {workdir / 'error.log'} warn;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n  include mime.types;\n  access_log {workdir / 'access.log'};\n{temps}{block}}}\n",
            encoding="utf-8")
        process = subprocess.Popen([NGINX, "-p", str(workdir), "-c", "nginx.conf", "-g", "daemon off;"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 10
            while True:
                if process.poll() is not None:
                    output = process.stdout.read().decode(errors="replace")
                    log = (workdir / "error.log").read_text(errors="replace") if (workdir / "error.log").exists() else ""
                    raise RuntimeError(f"nginx did not start:\n{output}\n{log}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not open its port within 10 s")
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
