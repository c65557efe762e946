package dev.seccheck.remote.consumer;

import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.TaskExit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ProcessTracker keeps the processes of every connected sandbox from its {@code container/start},
 * {@code sentry/clone}, {@code sentry/execve} and {@code sentry/task_exit} messages, so any event
 * can be attributed to its process and parent chain. An entry goes when its thread group leader
 * exits and all of a sandbox's entries go when it disconnects: memory follows the live processes.
 *
 * <p>Use it as the handler, or call {@link #onEvent} and {@link #onDisconnect} from your own.
 * The sandbox must enable those points with the {@code thread_group_id} context field.
 */
public final class ProcessTracker implements EventHandler {
    private final Map<Integer, Map<Integer, ProcessInfo>> byConnection = new ConcurrentHashMap<>();

    /** Returns what is known of process {@code pid} of a sandbox. */
    public Optional<ProcessInfo> process(Connection c, int pid) {
        return Optional.ofNullable(byConnection.getOrDefault(c.id(), Map.of()).get(pid));
    }

    /** Returns the process and its known ancestors, nearest first. */
    public List<ProcessInfo> chain(Connection c, int pid) {
        Map<Integer, ProcessInfo> t = byConnection.getOrDefault(c.id(), Map.of());
        List<ProcessInfo> chain = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        ProcessInfo p = t.get(pid);
        while (p != null && seen.add(p.pid())) {
            chain.add(p);
            p = t.get(p.parentPid());
        }
        return chain;
    }

    /** Returns how many processes are tracked across all sandboxes. */
    public int size() {
        return byConnection.values().stream().mapToInt(Map::size).sum();
    }

    @Override
    public void onContainerStart(Event e, Start m) {
        ContextData ctx = m.getContextData();
        String binary = m.getArgsCount() > 0 ? m.getArgs(0) : "";
        put(e, new ProcessInfo(ctx.getThreadGroupId(), ctx.getThreadGroupStartTimeNs(), binary, m.getArgsList(),
                ctx.getParentThreadGroupId()));
    }

    @Override
    public void onClone(Event e, CloneInfo m) {
        ContextData ctx = m.getContextData();
        int child = m.getCreatedThreadGroupId();
        if (child == 0 || child == ctx.getThreadGroupId()) {
            return; // a new thread, not a new process
        }
        ProcessInfo parent = table(e.connection()).get(ctx.getThreadGroupId());
        put(e, new ProcessInfo(child, m.getCreatedThreadStartTimeNs(),
                parent == null ? ctx.getProcessName() : parent.binary(),
                parent == null ? List.of() : parent.argv(), ctx.getThreadGroupId()));
    }

    @Override
    public void onExec(Event e, ExecveInfo m) {
        ContextData ctx = m.getContextData();
        ProcessInfo old = table(e.connection()).get(ctx.getThreadGroupId());
        int parent = ctx.getParentThreadGroupId() != 0 ? ctx.getParentThreadGroupId() : old == null ? 0 : old.parentPid();
        put(e, new ProcessInfo(ctx.getThreadGroupId(), ctx.getThreadGroupStartTimeNs(), m.getBinaryPath(),
                m.getArgvList(), parent));
    }

    @Override
    public void onTaskExit(Event e, TaskExit m) {
        ContextData ctx = m.getContextData();
        if (ctx.getThreadId() == ctx.getThreadGroupId()) {
            table(e.connection()).remove(ctx.getThreadGroupId());
        }
    }

    @Override
    public void onDisconnect(Connection c) {
        byConnection.remove(c.id());
    }

    private void put(Event e, ProcessInfo p) {
        if (p.pid() != 0) {
            table(e.connection()).put(p.pid(), p);
        }
    }

    private Map<Integer, ProcessInfo> table(Connection c) {
        return byConnection.computeIfAbsent(c.id(), id -> new ConcurrentHashMap<>());
    }
}
