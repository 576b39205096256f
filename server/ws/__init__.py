"""The websocket edge: the endpoint that checks a link and admits a participant, one
connection's receive loop and bounded way out, fan-out of one frame to many sockets, and
rebalancing sockets across processes."""
