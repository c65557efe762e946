package dev.seccheck.cli;

import dev.seccheck.control.ControlException;
import dev.seccheck.control.ControlServer;
import dev.seccheck.control.RunPublication;
import dev.seccheck.control.RunRecord;
import dev.seccheck.control.RuntimeRoot;
import java.io.IOException;

/**
 * RunControl is what a run publishes for the operator while it lives: its directory in the runtime
 * root (kept there by a {@link RunPublication}) and the control socket served in it. Closed when
 * the program ended: the directory is looked after no more, the socket stops, the directory goes.
 */
record RunControl(RuntimeRoot root, RunRecord record, RunPublication publication, ControlServer server)
        implements AutoCloseable {

    @Override
    public void close() throws IOException, ControlException {
        publication.close();
        server.close();
        root.remove(record);
    }
}
