// A library whose constructor writes "EVIL CODE RAN": loaded, its code ran (red team rt8, finding 2).
#include <unistd.h>
#include <sys/syscall.h>
__attribute__((constructor)) static void evil(void){ static const char m[]="EVIL CODE RAN\n"; syscall(SYS_write,1,m,sizeof m-1); }
