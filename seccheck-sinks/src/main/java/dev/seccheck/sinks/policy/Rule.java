package dev.seccheck.sinks.policy;

import com.google.protobuf.Message;
import dev.seccheck.sink.Missing;
import dev.seccheck.sink.NameChange;
import dev.seccheck.sink.ReachedFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Rule is one compiled policy rule: its place in the list, an optional label, the conditions
 * that must all hold, and its action.
 *
 * @param opening whether the rule is on the enter point of an open (open, openat, creat): then it
 *     also decides on the names the program changes ({@link #onName})
 */
record Rule(int index, String label, List<Condition> conditions, Action action, boolean opening) {

    /** How a rule on opening files decides on a name the program is about to change ({@link #onName}). */
    enum OnName {
        /** Its conditions do not hold (or an allow or log rule's could not be checked): the next rule decides. */
        NO_MATCH,
        /** An allow or log rule whose conditions all hold: the change goes through. */
        LET,
        /** A deny or kill rule whose conditions hold, or may: the change is refused. */
        REFUSE
    }

    /** The context field a name change can be checked against: the name of the task making it. */
    private static final String PROCESS_NAME = "process_name";
    /** The key of a bind's unix socket path, which a name given to a socket is checked against. */
    private static final String UNIX_PATH = "unix_path";
    /** The key of the file an exec ran, which a rename made while the exec is in flight renames. */
    private static final String BINARY_PATH = "binary_path";

    /**
     * Condition: the key's value in the message matches, or (a path key) the file the sentry
     * reached is one the matcher names under another name ({@link FilesNamed}).
     *
     * @param files for a path key of an open, the files the matcher names; else {@link FilesNamed#NONE}
     * @param path whether the condition is on the path of an open ({@code pathname} or
     *     {@code resolved_path} of an Open message): a new name can take a file out of its reach
     */
    record Condition(Key key, Matcher matcher, FilesNamed files, boolean path) {

        boolean holds(Message msg) {
            return key.test(msg, matcher) || namesReached();
        }

        /**
         * {@link #holds(Message)}, or, for a deny or kill rule's ({@code enforcing}) condition on
         * the path of an open that makes its file, the path holds under another name of the
         * directory the file is made in ({@link NameChange.Parent#CREATING}, {@link #otherNames}):
         * a file made through a bind mount of a kept directory is a name the rule denies.
         */
        boolean holds(Message msg, boolean enforcing) {
            if (holds(msg)) {
                return true;
            }
            NameChange.Parent in = enforcing && path ? NameChange.Parent.creating() : null;
            if (in == null || !(key.value(msg) instanceof String name)) {
                return false;
            }
            for (String other : otherNames(name, null, in)) {
                if (matcher.matchesString(other)) {
                    return true;
                }
            }
            return false;
        }

        /** Whether the file the sentry reached is one the matcher names under another name ({@link FilesNamed}). */
        boolean namesReached() {
            if (files == FilesNamed.NONE) {
                return false;
            }
            ReachedFile reached = ReachedFile.current();
            return reached != null && files.names(reached);
        }

        /**
         * The missing value this path condition, which does not hold on the message, stands for
         * when the file reached may yet be one it names: a file with other names (a hard link,
         * made before the run), while the matcher's tree has directories seccheck could not list
         * ({@link FilesNamed#unlisted}), whose files' inodes it therefore does not know. Null when
         * the condition's answer stands.
         */
        Missing.Field unlistedLink() {
            if (!path || files == FilesNamed.NONE || files.unlisted().isEmpty()) {
                return null;
            }
            ReachedFile reached = ReachedFile.current();
            if (reached == null || reached.nlink() <= 1) {
                return null;
            }
            return new Missing.Field(key.name(), "the file has " + reached.nlink() + " names, and seccheck could not"
                    + " list " + files.unlisted().getFirst() + ", below which it may have one the rule names");
        }

        /** Whether it holds for a file at absolute path {@code name}, device and inode {@code file} (or null). */
        boolean holdsFor(String name, ReachedFile file) {
            return matcher.matchesString(name) || (file != null && files != FilesNamed.NONE && files.names(file));
        }

        /**
         * {@link #holdsFor(String, ReachedFile)}, or it holds for {@code name} under another name
         * of the directory it is made in, {@code parent} (or null: {@link #otherNames}).
         */
        boolean holdsFor(String name, ReachedFile file, NameChange.Parent parent) {
            if (holdsFor(name, file)) {
                return true;
            }
            // A file known by device and inode holds already: only the directory's names are asked.
            for (String other : otherNames(name, null, parent)) {
                if (matcher.matchesString(other)) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Whether a name below the directory {@code dir} may match, under that name or another
         * ({@link #otherNames}, with {@code file} and {@code parent}, either of which may be null).
         */
        boolean mayMatchBelow(String dir, ReachedFile file, NameChange.Parent parent) {
            if (matcher.mayMatchBelow(above(dir))) {
                return true;
            }
            for (String other : otherNames(dir, file, parent)) {
                if (matcher.mayMatchBelow(above(other))) {
                    return true;
                }
            }
            return false;
        }

        /** The names below the root start with "/" alone, as below any other directory with its name and "/". */
        private static String above(String dir) {
            return dir.equals("/") ? "" : dir;
        }

        /**
         * The names other than {@code name} that this condition's walk knows the same file by
         * ({@link FilesNamed#directoryNames}): those of {@code file} when it is a directory on the
         * way to the matcher's names, and {@code name} below those of the directory it is made in
         * ({@code parent}, or null). A directory has another name through a mount (a bind mount
         * made before the run), the kernel's name for the files below it then being the mount's.
         */
        List<String> otherNames(String name, ReachedFile file, NameChange.Parent parent) {
            if (files == FilesNamed.NONE) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            if (file != null) {
                for (String d : files.directoryNames(file)) {
                    if (!d.equals(name)) {
                        out.add(d);
                    }
                }
            }
            if (parent != null && parent.dir() != null && below(name, parent.path())) {
                String rest = parent.path().equals("/") ? name : name.substring(parent.path().length());
                for (String d : files.directoryNames(parent.dir())) {
                    String other = d.equals("/") ? rest : d + rest;
                    if (!other.equals(name)) {
                        out.add(other);
                    }
                }
            }
            return out;
        }

        /** Whether {@code name} is below the directory {@code dir}. */
        private static boolean below(String name, String dir) {
            return dir.equals("/") ? name.startsWith("/") && name.length() > 1
                    : name.length() > dir.length() + 1 && name.startsWith(dir) && name.charAt(dir.length()) == '/';
        }
    }

    Rule {
        conditions = List.copyOf(conditions);
    }

    /** The directories the trees of this rule's path conditions have that seccheck could search, not list. */
    List<Path> unlisted() {
        return conditions.stream().filter(Condition::path).flatMap(c -> c.files().unlisted().stream()).toList();
    }

    /** Whether a path condition's tree has a directory seccheck could not list ({@link Condition#unlistedLink}). */
    boolean partlyListed() {
        for (Condition c : conditions) {
            if (c.path() && c.files() != FilesNamed.NONE && !c.files().unlisted().isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Whether the rule fails calls (deny or kill) rather than letting them through (allow, log). */
    boolean enforcing() {
        return action instanceof Action.Deny || action instanceof Action.Kill;
    }

    /** Whether the rule decides on the names of files: an enforcing rule with a condition on an open's path. */
    boolean onNames() {
        return enforcing() && conditions.stream().anyMatch(Condition::path);
    }

    /** Whether the rule's conditions are all on an open's path (at least one): it holds for every task alike. */
    boolean onPathAlone() {
        return !conditions.isEmpty() && conditions.stream().allMatch(Condition::path);
    }

    /**
     * Whether every condition of this rule on an open's path holds for a file at {@code name}
     * (device and inode {@code file}, or null): the rule's other conditions are not considered,
     * since another task, or the same one later, may meet them.
     */
    boolean reaches(String name, ReachedFile file) {
        return reaches(name, file, null);
    }

    /**
     * {@link #reaches(String, ReachedFile)}, the name made in the directory {@code parent} (or
     * null): a deny or kill rule's conditions hold under the names the rule knows it by too
     * ({@link Condition#otherNames}). An allow or log rule's hold by the name as given: another
     * name of it lets nothing through that the name the program used would not.
     */
    boolean reaches(String name, ReachedFile file, NameChange.Parent parent) {
        NameChange.Parent known = enforcing() ? parent : null;
        for (Condition c : conditions) {
            if (c.path() && !c.holdsFor(name, file, known)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decides, as an open of it by the task named {@code processName} would be decided, on the
     * name {@code name} the task is about to give another file (a rename or link over it, a new
     * file there), remove, or change without an open ({@code file}, the device and inode it names
     * now, or null). Conditions on the path are checked on {@code name} (and {@code file}), on
     * {@code process_name} on {@code processName}; any other (the open's flags, the task's
     * credentials...) cannot be. A deny or kill rule with a condition on the path takes such a
     * condition to hold, so a protected name is never changed on a value nobody checked; one
     * without (a rule on who opens, a uid, not on what) does not decide names. An allow or log
     * rule takes it not to hold.
     *
     * <p>A name made in the directory {@code parent} (or null) is judged by a deny or kill rule
     * under the other names it knows that directory by as well ({@link Condition#otherNames}), so
     * that a name it denies is not made through a bind mount of its directory; an allow or log
     * rule judges the name as given, so that another name lets nothing more through.
     */
    OnName onName(String name, ReachedFile file, NameChange.Parent parent, String processName) {
        boolean unchecked = false;
        boolean named = false;
        NameChange.Parent known = enforcing() ? parent : null;
        for (Condition c : conditions) {
            if (c.path()) {
                named = true;
                if (!c.holdsFor(name, file, known)) {
                    return OnName.NO_MATCH;
                }
            } else if (c.key().name().equals(PROCESS_NAME)) {
                if (!c.matcher().matchesString(processName)) {
                    return OnName.NO_MATCH;
                }
            } else {
                unchecked = true;
            }
        }
        if (unchecked) {
            return enforcing() && named ? OnName.REFUSE : OnName.NO_MATCH;
        }
        return enforcing() ? OnName.REFUSE : OnName.LET;
    }

    /**
     * Whether this deny or kill rule on the path may hold for an open, by the task named
     * {@code processName}, of a name below the directory {@code dir}: a symbolic link made at
     * {@code dir} would lead those names to files of the program's choosing, and a change of its
     * mode, owner or ACL changes who else may reach them. Conditions other than the path and
     * {@code process_name} are taken to hold. The directory is judged under the other names the
     * rule knows it by too ({@link Condition#otherNames}): by {@code file}, its device and inode
     * (a directory whose mode or owner changes), or by {@code parent}, the directory it is made in
     * (a symbolic link made, a directory moved there); either may be null.
     */
    boolean mayReachBelow(String dir, ReachedFile file, NameChange.Parent parent, String processName) {
        if (!enforcing() || conditions.stream().noneMatch(Condition::path)) {
            return false;
        }
        for (Condition c : conditions) {
            if (c.path() ? !c.mayMatchBelow(dir, file, parent)
                    : c.key().name().equals(PROCESS_NAME) && !c.matcher().matchesString(processName)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether this rule decides an open of any name below the directory {@code a} as it decides
     * the same name below the directory {@code b}: each condition on the path does
     * ({@link Matcher#decidesAlikeBelow}); the others do not look at the name. A file the rule
     * knows by device and inode keeps them under either name.
     */
    boolean decidesAlikeBelow(String a, String b) {
        for (Condition c : conditions) {
            if (c.path() && !c.matcher().decidesAlikeBelow(a, b)) {
                return false;
            }
        }
        return true;
    }

    /** Whether this is a deny or kill rule with a condition on the file an exec ran ({@code binary_path}). */
    boolean onExecutedPaths() {
        return enforcing() && conditions.stream().anyMatch(c -> c.key().name().equals(BINARY_PATH));
    }

    /**
     * Whether the rename {@code move} takes its file out of this rule's conditions on
     * {@code binary_path}: each holds for the file under its name now (or by device and inode,
     * {@link FilesNamed}) and one does not under the new name; for a directory, each may hold for
     * a name below it now, whatever the new name (the names below are not listed here), or, for a
     * matcher without an absolute start, may not hold for such a name under the new name
     * ({@link Matcher#mayLoseBelow}: {@code *}{@code /denied/**} may, {@code *.bin} may not;
     * such a matcher says of no directory that a name below it may match, a symbolic link does not
     * take names out of its reach, and a directory moved out of it during an exec had 86 of 200
     * execs run, red-team round 17). The rule's other conditions are not considered: another
     * task, or the same one later, may meet them.
     */
    boolean movesOutOfExecuted(NameChange move) {
        boolean conditioned = false;
        boolean stays = true;
        for (Condition c : conditions) {
            if (!c.key().name().equals(BINARY_PATH)) {
                continue;
            }
            conditioned = true;
            boolean now = move.directory()
                    ? c.mayMatchBelow(move.from(), move.file(), null) || c.matcher().mayLoseBelow(move.from(), move.to())
                    : c.holdsFor(move.from(), move.file());
            if (!now) {
                return false;
            }
            stays &= !move.directory() && c.holdsFor(move.to(), null, move.parent());
        }
        return conditioned && !stays;
    }

    /** Whether this is a deny or kill rule with a condition on a socket's {@code unix_path}. */
    boolean onSocketPaths() {
        return enforcing() && conditions.stream().anyMatch(c -> c.key().name().equals(UNIX_PATH));
    }

    /**
     * Decides, as a bind by the task named {@code processName} of a unix socket at {@code name}
     * would be decided by this rule on a bind point, on the name {@code name} the task is about to
     * give a file: a socket so named is reached there as if bound there. With {@code below} (a
     * symbolic link or a directory given the name) the names below {@code name} count too, which
     * the file would lead to sockets of the program's choosing: a deny or kill rule's
     * {@code unix_path} condition holds when it may hold for one of them
     * ({@link Matcher#mayMatchBelow}), or when one of them may match where the same name below
     * {@code from} does not ({@link Matcher#mayLoseBelow}): {@code from} is the old name of a
     * directory or symbolic link moved, or the name a symbolic link made leads to; null for one
     * whose text does not tell (a ".." in it), which any other directory may be
     * ({@link Matcher#mayMatchBelowOnly}). A pattern without an absolute start,
     * <code>*&#47;run/*.sock</code>, says of no directory that a name below it may match, and a
     * directory holding a socket bound elsewhere moved to {@code run}, or a symbolic link
     * {@code run} made to it, put the socket at a name the rule denies (red-team round 17). An
     * allow or log rule's holds only when it holds for all ({@link Matcher#matchesAllBelow}). Conditions other than {@code unix_path}
     * and {@code process_name} cannot be checked (a name has no port, no fd): as for
     * {@link #onName}, a deny or kill rule on {@code unix_path} takes them to hold, one without
     * such a condition does not decide names, and an allow or log rule takes them not to hold.
     */
    OnName onSocketName(String name, boolean below, String from, String processName) {
        boolean unchecked = false;
        boolean named = false;
        for (Condition c : conditions) {
            String key = c.key().name();
            if (key.equals(UNIX_PATH)) {
                named = true;
                Matcher m = c.matcher();
                String dir = name.equals("/") ? "" : name;
                // Fail closed both ways: a deny or kill rule holds if it may hold for a name the file
                // leads to, an allow or log rule only if it holds for every one.
                boolean holds = enforcing()
                        ? m.matchesString(name) || below && (m.mayMatchBelow(dir)
                                || (from != null ? m.mayLoseBelow(dir, from) : m.mayMatchBelowOnly(dir)))
                        : m.matchesString(name) && (!below || m.matchesAllBelow(dir));
                if (!holds) {
                    return OnName.NO_MATCH;
                }
            } else if (key.equals(PROCESS_NAME)) {
                if (!c.matcher().matchesString(processName)) {
                    return OnName.NO_MATCH;
                }
            } else {
                unchecked = true;
            }
        }
        if (enforcing()) {
            return named ? OnName.REFUSE : OnName.NO_MATCH;
        }
        return unchecked ? OnName.NO_MATCH : OnName.LET;
    }

    boolean matches(Message msg) {
        boolean enforcing = enforcing();
        for (Condition c : conditions) {
            if (!c.holds(msg, enforcing)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the first missing field one of this rule's keys needs, provided every condition on
     * a value that was obtained holds (else the rule does not match whatever the missing value
     * was, and null is returned); null too when no key's value is missing. A path condition whose
     * value is missing still holds when the file reached is one it names by device and inode
     * ({@link Condition#namesReached}): a kept file is denied whatever {@code on_missing} says
     * (one whose path is longer than PATH_MAX has no name, yet its inode is known). One that does
     * not hold on its value stands for a missing one when the file reached has other names and
     * the rule's tree has directories seccheck could not list ({@link Condition#unlistedLink}):
     * {@code on_missing} decides on a hard link that may lead to a kept file seccheck never saw.
     */
    Missing.Field undecidedBy(Message msg, Missing missing) {
        Missing.Field first = null;
        for (Condition c : conditions) {
            Missing.Field gap = c.key().missingIn(msg, missing);
            if (gap != null && c.namesReached()) {
                continue; // holds: matches() finds it so as well
            }
            if (gap == null) {
                if (!c.holds(msg, enforcing())) {
                    if (enforcing() && (gap = c.unlistedLink()) != null) {
                        first = first == null ? gap : first; // may hold: a link to a file it never listed
                        continue;
                    }
                    return null;
                }
            } else if (first == null) {
                first = gap;
            }
        }
        return first;
    }
}
