package dev.seccheck.sentry.filter;

import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * SocketOptionHold builds the part of a filter that holds {@code setsockopt} of chosen socket
 * options for the notifier, by level and name (ints to the kernel: their low words are
 * compared); every other call falls through.
 */
public final class SocketOptionHold {
    private SocketOptionHold() {}

    /** One socket option: its level (SOL_IP, SOL_IPV6...) and name. */
    public record Option(int level, int name) {}

    /** Returns the fragment holding setsockopt of each of {@code options}. */
    public static Fragment of(List<Option> options) {
        Map<Integer, TreeSet<Integer>> byLevel = new LinkedHashMap<>();
        for (Option o : options) {
            byLevel.computeIfAbsent(o.level(), l -> new TreeSet<>()).add(o.name());
        }
        Assembler a = new Assembler();
        Assembler.Label out = a.label();
        Assembler.Label hold = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, Sysno.SETSOCKOPT, null, out);
        a.load(SeccompData.argLow(1));
        Map<Integer, Assembler.Label> levels = new LinkedHashMap<>();
        for (int level : byLevel.keySet()) {
            Assembler.Label l = a.label();
            levels.put(level, l);
            a.jump(Bpf.Cond.EQ, level, l, null);
        }
        a.jumpAlways(out);
        for (Map.Entry<Integer, Assembler.Label> e : levels.entrySet()) {
            a.bind(e.getValue());
            a.load(SeccompData.argLow(2));
            for (int name : byLevel.get(e.getKey())) {
                a.jump(Bpf.Cond.EQ, name, hold, null);
            }
            a.jumpAlways(out);
        }
        a.bind(hold);
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(out);
        return a.fragment();
    }
}
