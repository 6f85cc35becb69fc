"""A web server that also lists folders with WebDAV PROPFIND (RFC 4918, depth 1 or
infinity), for the http input tests: python3 webdav_server.py PORT DIRECTORY."""

import email.utils
import http.server
import os
import sys
import urllib.parse
from functools import partial


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_PROPFIND(self):
        root = os.path.realpath(self.directory)
        target = os.path.realpath(os.path.join(root, urllib.parse.unquote(self.path).lstrip("/")))
        if not target.startswith(root) or not os.path.exists(target):
            self.send_error(404)
            return
        depth = self.headers.get("Depth", "infinity")
        entries = [target]
        if os.path.isdir(target) and depth != "0":
            for folder, dirs, files in os.walk(target):
                entries += [os.path.join(folder, n) for n in dirs + files]
                if depth == "1":
                    break
        body = ['<?xml version="1.0" encoding="utf-8"?>', '<D:multistatus xmlns:D="DAV:">']
        for entry in entries:
            stat = os.stat(entry)
            rel = os.path.relpath(entry, root).replace(os.sep, "/")
            href = urllib.parse.quote("/" if rel == "." else "/" + rel)
            kind = "<D:collection/>" if os.path.isdir(entry) else ""
            size = "" if os.path.isdir(entry) else f"<D:getcontentlength>{stat.st_size}</D:getcontentlength>"
            modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
            body.append(
                f"<D:response><D:href>{href}</D:href><D:propstat><D:prop>"
                f"<D:getlastmodified>{modified}</D:getlastmodified>{size}"
                f"<D:resourcetype>{kind}</D:resourcetype></D:prop>"
                "<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
            )
        body.append("</D:multistatus>")
        data = "\n".join(body).encode()
        self.send_response(207)
        self.send_header("Content-Type", 'application/xml; charset="utf-8"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port, directory = int(sys.argv[1]), sys.argv[2]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), partial(Handler, directory=directory))
    server.serve_forever()
