"""What an operator runs besides the server: start-up checks that refuse a bad configuration,
key rotation, the administrator's commands, and the process's memory settings."""
