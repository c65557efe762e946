// open-latency N [PATH [trunc]]: N open(PATH, O_RDONLY)+close, each open timed (PATH: /etc/hostname);
// with "trunc", open(PATH, O_WRONLY|O_CREAT|O_TRUNC, 0644), an open with an effect.
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
static int cmp(const void*a,const void*b){long x=*(long*)a,y=*(long*)b;return x<y?-1:x>y;}
int main(int c,char**v){int n=atoi(v[1]);const char*path=c>2?v[2]:"/etc/hostname";int flags=c>3?O_WRONLY|O_CREAT|O_TRUNC:O_RDONLY;long*t=malloc(n*sizeof(long));
for(int i=0;i<n;i++){struct timespec a,b;clock_gettime(CLOCK_MONOTONIC,&a);int fd=open(path,flags,0644);clock_gettime(CLOCK_MONOTONIC,&b);close(fd);
t[i]=(b.tv_sec-a.tv_sec)*1000000000L+(b.tv_nsec-a.tv_nsec);}
qsort(t,n,sizeof(long),cmp);int o=0;for(int i=0;i<n;i++)if(t[i]>10000000)o++;
printf("n=%d p50=%ldus p99=%ldus p99.9=%ldus max=%ldus over10ms=%d\n",n,t[n/2]/1000,t[n*99/100]/1000,t[n*999/1000]/1000,t[n-1]/1000,o);}
