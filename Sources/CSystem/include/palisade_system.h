/* System calls that Swift's Glibc module does not expose. */
#ifndef PALISADE_SYSTEM_H
#define PALISADE_SYSTEM_H

/* Atomically swaps two directory entries (renameat2 RENAME_EXCHANGE, Linux >= 3.15).
 * Returns 0, or -1 with errno set (EINVAL/ENOSYS where the file system cannot). */
int palisade_rename_exchange(const char *from, const char *to);

#endif
