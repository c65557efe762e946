package dev.seccheck.linux;

/** PeerCredentials is who is at the other end of a Unix socket (SO_PEERCRED), as of connect. */
public record PeerCredentials(int pid, int uid, int gid) {}
