package dev.seccheck.state;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Point;
import java.util.Arrays;

/**
 * Routing is an immutable snapshot of who receives each point: for every point id, the routes
 * of the sessions enabling it, and the union of their fields. Firing threads read it through
 * one volatile reference and never lock.
 */
final class Routing {
    static final Route[] NONE = new Route[0];
    static final Routing EMPTY = new Routing(new Route[Point.ID_LIMIT][]);

    final Route[][] byPoint;
    final FieldSet[] unionFields;

    Routing(Route[][] byPoint) {
        this.byPoint = byPoint;
        this.unionFields = new FieldSet[byPoint.length];
        for (int id = 0; id < byPoint.length; id++) {
            if (byPoint[id] == null) {
                byPoint[id] = NONE;
            }
            FieldSet u = FieldSet.EMPTY;
            for (Route r : byPoint[id]) {
                u = u.union(r.fields());
            }
            unionFields[id] = u;
        }
    }

    /** Returns the enabled-point bitmask of this snapshot, one bit per point id. */
    long[] enabledBits() {
        long[] bits = new long[PointState.WORDS];
        for (int id = 0; id < byPoint.length; id++) {
            if (byPoint[id].length > 0) {
                bits[id >>> 6] |= 1L << id;
            }
        }
        return bits;
    }

    /** Returns the bits of syscall points only, for detecting changes listeners care about. */
    static long[] syscallBits(long[] bits) {
        long[] copy = Arrays.copyOf(bits, bits.length);
        for (int id = 0; id < Point.SYSCALL_BASE; id++) {
            copy[id >>> 6] &= ~(1L << id);
        }
        return copy;
    }
}
