package dev.seccheck.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketTimeoutException;

/** Datagrams counts what reached a test's UDP socket: the races' forbidden port, for one. */
public final class Datagrams {
    private Datagrams() {}

    /** How many datagrams wait on {@code s}, taking them: it stops once none came for 200 ms. */
    public static int drain(DatagramSocket s) throws IOException {
        s.setSoTimeout(200);
        byte[] b = new byte[16];
        int count = 0;
        try {
            while (true) {
                s.receive(new DatagramPacket(b, b.length));
                count++;
            }
        } catch (SocketTimeoutException drained) {
            return count;
        }
    }
}
