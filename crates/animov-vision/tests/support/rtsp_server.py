"""A tiny RTSP camera for the tests: serves H.264 at rtsp://127.0.0.1:PORT/cam
until killed — a test pattern (PICTURE `-` or none), or a PNG picture (even
width and height) at 5 frames/s. With USER and PASSWORD it asks for them (basic authentication).
Needs Debian's python3-gi and gir1.2-gst-rtsp-server-1.0 (installed by the
test setup).

    /usr/bin/python3 rtsp_server.py PORT [PICTURE.png [USER PASSWORD]]
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(sys.argv[1])
factory = GstRtspServer.RTSPMediaFactory()
if len(sys.argv) > 2 and sys.argv[2] != "-":
    factory.set_launch(
        f"( multifilesrc location={sys.argv[2]} loop=true caps=image/png,framerate=5/1 ! pngdec "
        "! videoconvert ! video/x-raw,format=I420 ! x264enc tune=zerolatency key-int-max=5 "
        "! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )
else:
    factory.set_launch(
        "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=10/1 "
        "! x264enc tune=zerolatency key-int-max=10 ! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )
factory.set_shared(True)
if len(sys.argv) > 4:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(sys.argv[3], sys.argv[4]), token)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_permission_for_role("user", "media.factory.access", True)
    permissions.add_permission_for_role("user", "media.factory.construct", True)
    factory.set_permissions(permissions)
server.get_mount_points().add_factory("/cam", factory)
if server.attach(None) == 0:
    # The port is taken: say so, so the caller tries another.
    print("busy", flush=True)
    sys.exit(1)
print("ready", flush=True)
GLib.MainLoop().run()
