package dev.seccheck.cli;

import java.io.IOException;
import java.nio.file.Files;

/** Policies are session files the CLI tests share. */
final class Policies {
    private Policies() {}

    /**
     * A policy that decides on opening files by a matcher that cannot be listed ({@code *.key}),
     * so that seccheck performs links and renames too, with a connect point (connects performed).
     */
    static final String KEYS = """
            {"name": "keys",
             "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]},
                        {"name": "syscall/connect/enter"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"name": "no keys", "point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*.key"}},
                "action": "deny", "errno": "EACCES"}]}}]}""";

    /**
     * A session whose connect rule decides every send seccheck makes (sendmsg with or without an
     * address, sendto with one), denying only unix paths no test uses.
     */
    static final String SENDS = """
            {"name": "sends",
             "points": [{"name": "syscall/connect/enter"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"name": "no deny sockets", "effect": "connect_network", "match": {"unix_path": {"glob": "*/deny*"}},
                "action": "deny", "errno": "EACCES"}]}}]}""";

    /**
     * A policy on the effect of opening files ({@code open_file}: open, openat, creat) by a
     * matcher that cannot be listed ({@code *.key}), failing closed: seccheck performs every open,
     * and the names calls (mkdir, chmod, rmdir, rename) too.
     */
    static final String OPEN_FILE_KEYS = """
            {"name": "guard",
             "points": [
               {"name": "syscall/open/enter", "context_fields": ["cwd"]},
               {"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
               {"name": "syscall/creat/enter", "context_fields": ["cwd"]}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"effect": "open_file", "match": {"resolved_path": {"glob": "*.key"}}, "action": "deny", "errno": "EACCES"}],
              "on_missing": "deny"}}]}
            """;

    /**
     * A session that decides on accepts (the README's guard policy's accept rules), so that
     * seccheck performs them ({@code InboundConnections}).
     */
    static final String ACCEPTS = """
            {"name": "accepts", "points": [{"name": "syscall/accept/enter"}, {"name": "syscall/accept4/enter"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"effect": "accept_network", "match": {"family": ["AF_INET"], "ip": ["127.0.0.0/8"]}, "action": "allow"},
               {"effect": "accept_network", "match": {"family": {"not": ["AF_UNIX"]}}, "action": "deny",
                "errno": "ECONNABORTED"}]}}]}""";

    /** A session like the guard's of the README: open, connect and accept points under a policy that fails closed. */
    static final String FAIL_CLOSED_GUARD = """
            {"name": "guard",
             "points": [
               {"name": "syscall/open/enter", "context_fields": ["process_name", "group_id", "cwd"]},
               {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name", "group_id"]},
               {"name": "syscall/creat/enter", "context_fields": ["process_name", "group_id", "cwd"]},
               {"name": "syscall/connect/enter", "context_fields": ["process_name", "group_id"]},
               {"name": "syscall/accept4/enter", "context_fields": ["process_name", "group_id"]}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"name": "no secrets", "effect": "open_file",
                "match": {"resolved_path": {"glob": "/etc/shadow*"}}, "action": "deny", "errno": "EACCES"},
               {"effect": "connect_network", "match": {"family": {"not": ["AF_UNIX", "AF_NETLINK"]}},
                "action": "deny", "errno": "ENETUNREACH"}],
              "on_missing": "deny"}}]}
            """;

    /** The guard policy of the README's "Enforcement" section, as it stands there. */
    static String readmeGuard() throws IOException {
        String readme = Files.readString(TestPrograms.repoRoot().resolve("README.md"));
        int start = readme.indexOf("{\"name\": \"guard\",");
        int end = readme.indexOf("\n```", start);
        if (start < 0) {
            throw new IllegalStateException("no guard policy in README.md");
        }
        return readme.substring(start, end);
    }
}
