/* System calls that Swift's Glibc module does not expose. */
#ifndef PALISADE_SYSTEM_H
#define PALISADE_SYSTEM_H

/* Atomically swaps two directory entries (renameat2 RENAME_EXCHANGE, Linux >= 3.15).
 * Returns 0, or -1 with errno set (EINVAL/ENOSYS where the file system cannot). */
int palisade_rename_exchange(const char *from, const char *to);

/* syncfs(2): flushes the whole file system that holds the open file fd. 0, or -1 and errno. */
int palisade_syncfs(int fd);

/* fstatfs(2)'s f_type: the magic number of the file system that holds the open file fd (see
 * linux/magic.h). 0 and *type set, or -1 and errno. */
int palisade_file_system_type(int fd, unsigned long *type);

/* glibc malloc tuned for a batch of many large, short-lived buffers (a compiler's per-customer
 * files): freed memory stays in the process (trim threshold 64 MiB) and buffers up to 32 MiB
 * come from the heap, instead of being unmapped on free and faulted in again, zeroed, for the
 * next customer. Lasts for the process; a no-op where the C library is not glibc. */
void palisade_keep_freed_memory(void);

#include <stddef.h>
#include <stdint.h>

/* gzip (RFC 1952) of a buffer, deterministic: no file name, modification time 0, level 9.
 * Returns 0 and sets *out (malloc'd, caller frees) and *out_length; -1 on failure. */
int palisade_gzip(const uint8_t *data, size_t length, uint8_t **out, size_t *out_length);

#endif
