package dev.switchboard.ipc.broker;

/**
 * A child that accepts its invitation with the default options (a 30 s timeout) and prints how it
 * went: "accepted [names]" or "failed after N ms: message".
 */
public final class InviteeChild {
    public static void main(String[] args) {
        long start = System.nanoTime();
        try {
            IncomingInvitation invitation = IncomingInvitation.accept();
            System.out.println("accepted " + invitation.pipeNames());
        } catch (InvitationException e) {
            System.out.println("failed after " + (System.nanoTime() - start) / 1_000_000 + " ms: " + e.getMessage());
        }
        System.out.flush();
        System.exit(0);
    }
}
