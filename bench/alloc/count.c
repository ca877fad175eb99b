// bench/alloc/count.c — counts malloc-family calls of a process (LD_PRELOAD), for
// "allocations per decision" in sellify-bench-pipeline, which reads the count through
// sellify_alloc_count() when it finds the symbol.
//
//   cc -O2 -shared -fPIC -o bench/alloc/count.so bench/alloc/count.c -ldl
//   LD_PRELOAD=$PWD/bench/alloc/count.so .build-release/release/sellify-bench-pipeline …
//
// Every call is forwarded to glibc's own allocator (__libc_malloc & co.), so behaviour and
// addresses are glibc's; the only cost is one relaxed atomic increment per call.
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static uint64_t calls;

uint64_t sellify_alloc_count(void) { return __atomic_load_n(&calls, __ATOMIC_RELAXED); }

static inline void count(void) { __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED); }

void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { count(); return __libc_realloc(p, size); }
void free(void *p) { __libc_free(p); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    count();
    void *p = __libc_memalign(alignment < sizeof(void *) ? sizeof(void *) : alignment, size);
    if (!p) return 12; // ENOMEM
    *out = p;
    return 0;
}
