/*
 * A program that holds a marker in its image and waits: built static, not position-independent
 * and without a C library (-static -nostdlib -no-pie), so that its image lies at 0x400000 and is
 * a few pages. Its code pauses (the syscall), so that natively a reader finds it mapped.
 */
const char marker[] __attribute__((section(".text"))) = "KEPT-IMAGE-MARKER-0123456789";

void _start(void) {
    __asm__ volatile("1: mov $34, %eax; syscall; jmp 1b"); /* pause(), for ever */
}
