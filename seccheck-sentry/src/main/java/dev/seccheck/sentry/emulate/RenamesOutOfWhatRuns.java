package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_DIRECTORY;
import static dev.seccheck.abi.Fcntl.O_NOFOLLOW;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.linux.PathCalls;
import dev.seccheck.sink.NameChange;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * RenamesOutOfWhatRuns makes the looks a rename needs while a rule on what runs decides
 * ({@link ExecutableMoves}): under the lock all such renames take, before the kernel's rename what
 * the old name holds, when the sinks say the rename takes it out of such a rule; after it, what
 * the new name holds, and for a directory every file below it, walked through the descriptor
 * opened before the rename (so the very directory moved, whatever its names are by then).
 * Emulation threads; each has its own.
 */
final class RenamesOutOfWhatRuns {

    /** The most names below a moved directory that are recorded; a larger tree is recorded as untold. */
    static final int MAX_BELOW = NameEmulation.MAX_BELOW;

    private final PathCalls calls;
    private final Consumer<String> log;

    RenamesOutOfWhatRuns(PathCalls calls, Consumer<String> log) {
        this.calls = calls;
        this.log = log;
    }

    /**
     * Starts a rename for {@code call}, holding the lock until {@link Renaming#close}; on the
     * notifier, null when another rename holds it (the call is then served on a pool thread).
     */
    Renaming begin(Call call) {
        ExecutableMoves moves = call.executableMoves();
        ExecutableMoves.Held held = moves.renaming(!call.onNotifier());
        return held == null ? null : new Renaming(moves, held);
    }

    /** A side of a rename moved out of a rule on what runs: what its old name held, and where it went. */
    private record Side(int dirFd, int toDir, String toName) {}

    /** One rename, made under the lock of {@link ExecutableMoves#renaming}. */
    final class Renaming implements AutoCloseable {
        private final ExecutableMoves moves;
        private final ExecutableMoves.Held held;
        private final List<Side> sides = new ArrayList<>(2);

        private Renaming(ExecutableMoves moves, ExecutableMoves.Held held) {
            this.moves = moves;
            this.held = held;
        }

        /**
         * Shows the sinks deciding on what runs {@code move}, the rename of {@code name} in our fd
         * {@code fromDir} to {@code toName} in {@code toDir} ({@code st}: what the old name holds
         * now, or null); when it takes a name out of their rules, records what the old name holds.
         *
         * @return whether the call is to be refused: on the notifier, a directory found where the
         *     walk saw none (its tree is not walked there, where a slow filesystem would hold
         *     every other call)
         */
        boolean side(Call call, NameChange move, PathCalls.Stat st, int fromDir, String name, int toDir,
                String toName) {
            if (!call.movesOutOfWhatRuns(move)) {
                return false;
            }
            boolean directory = st != null && st.isDirectory();
            if (directory && call.onNotifier()) {
                log.accept(move.syscall() + " of " + move.from() + " by task " + call.tid()
                        + " refused: it became a directory while the call was checked");
                return true;
            }
            moves.making();
            if (st != null) {
                moves.moved(st.dev(), st.ino());
            }
            int dir = directory ? calls.openat(fromDir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
            sides.add(new Side(dir, toDir, toName));
            return false;
        }

        /**
         * The kernel's rename returned {@code r}: when made, records what each new name moved out
         * holds now, and for a directory every file below it; untold when the name holds nothing
         * any more, or a directory that is not the one the old name held (the program's own rmdir
         * and mkdir in between) or that cannot be walked.
         */
        void made(int r) {
            if (r != 0) {
                return;
            }
            for (Side s : sides) {
                PathCalls.Stat now = calls.lstatAt(s.toDir(), s.toName());
                if (now == null) {
                    moves.movedUntold(); // removed already: what was moved cannot be told
                    continue;
                }
                // Recorded again though it is the file recorded before the rename: an exec that
                // entered since then, and opened it under its old name, must find it.
                moves.moved(now.dev(), now.ino());
                if (now.isDirectory()) {
                    PathCalls.Stat walked = s.dirFd() < 0 ? null : calls.fstat(s.dirFd());
                    if (walked == null || !same(walked, now) || !recordBelow(s.dirFd())) {
                        moves.movedUntold();
                    }
                }
            }
        }

        /**
         * Records every regular file below our fd {@code top} (not following symlinks, with the
         * program's identity, at most {@link TreeWalk#HELD} directories open at once): false when a
         * directory below cannot be listed or changes during the walk, or there are more than
         * {@link #MAX_BELOW} names.
         */
        private boolean recordBelow(int top) {
            int first = calls.openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (first < 0) {
                return false;
            }
            int seen = 0;
            try (TreeWalk walk = new TreeWalk(calls, first, true)) {
                for (TreeWalk.Entry e = walk.next(); e != null; e = walk.next()) {
                    if (++seen > MAX_BELOW) {
                        return false;
                    }
                    PathCalls.Stat st = e.stat();
                    if (st == null) {
                        continue; // gone since: it lost its name, which its exec shows
                    }
                    if (st.isRegular()) {
                        moves.moved(st.dev(), st.ino());
                    } else if (st.isDirectory() && !walk.enter(e)) {
                        return false;
                    }
                }
                return walk.why() == null;
            }
        }

        @Override
        public void close() {
            try {
                for (Side s : sides) {
                    if (s.dirFd() >= 0) {
                        PathCalls.close(s.dirFd());
                    }
                    moves.made();
                }
            } finally {
                held.close();
            }
        }
    }

    private static boolean same(PathCalls.Stat a, PathCalls.Stat b) {
        return a.dev() == b.dev() && a.ino() == b.ino();
    }
}
