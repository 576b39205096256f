"""The wire, sans I/O: y-protocols frames in and out, what a Yjs update brings and builds on,
presence, and the close codes that end a connection. Pure: no sockets, no database."""
