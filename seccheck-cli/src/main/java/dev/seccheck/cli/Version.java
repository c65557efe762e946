package dev.seccheck.cli;

import picocli.CommandLine;

/** Version supplies {@code seccheck --version} from the jar's manifest. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"seccheck " + (v == null ? "(development build)" : v),
            "Java " + Runtime.version() + " on " + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
    }
}
