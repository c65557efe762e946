/** The x86-64 Linux constants (errno, system call numbers, flags) shared by every seccheck module. */
module dev.seccheck.abi {
    exports dev.seccheck.abi;
}
