/*
 * interpreted: does nothing and exits 0. UnmountAfterUseTest links it with an ELF interpreter
 * on the mount it then unmounts (-Wl,--dynamic-linker=...), so that running it maps a file there.
 */
int main(void) {
    return 0;
}
