"""The websocket transport: one connection's receive loop and bounded way out, fan-out of one
frame to many sockets (wire), the websocket itself on websockets' sans-I/O protocol
(asgi_socket), the server around it (serve: uvicorn for HTTP, head_timeout), and rebalancing
sockets across processes."""
