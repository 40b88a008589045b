/*
 * palisade_crypto.h — the only view Swift has of Crypto++.
 *
 * Plain C, no C++ types: every Crypto++ exception is caught inside the shim
 * and returned as a status code. All functions are thread-safe as long as a
 * given palisade_sha256 object is used by one thread at a time.
 */
#ifndef PALISADE_CRYPTO_H
#define PALISADE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum palisade_status {
    PALISADE_OK = 0,
    PALISADE_ERR_ARGUMENT = 1,      /* NULL pointer, wrong length, buffer too small */
    PALISADE_ERR_BAD_SIGNATURE = 2, /* signature does not verify */
    PALISADE_ERR_DECODE = 3,        /* malformed or unsupported DER */
    PALISADE_ERR_NO_MEMORY = 4,
    PALISADE_ERR_INTERNAL = 5       /* any other Crypto++ exception */
} palisade_status;

enum {
    PALISADE_SHA256_DIGEST_LENGTH = 32,
    PALISADE_ED25519_SEED_LENGTH = 32,
    PALISADE_ED25519_PUBLIC_LENGTH = 32,
    PALISADE_ED25519_SIGNATURE_LENGTH = 64
};

/* ---- SHA-256, streaming ---- */
typedef struct palisade_sha256 palisade_sha256;

/* Returns NULL when out of memory. */
palisade_sha256 *palisade_sha256_new(void);
void palisade_sha256_free(palisade_sha256 *ctx);
int palisade_sha256_update(palisade_sha256 *ctx, const uint8_t *data, size_t length);
/* Writes 32 bytes and resets the state, so the object can be reused. */
int palisade_sha256_final(palisade_sha256 *ctx, uint8_t digest[32]);
int palisade_sha256_oneshot(const uint8_t *data, size_t length, uint8_t digest[32]);
/* Name of the implementation Crypto++ picked ("SHANI", "SSE2", "C++", ...). Static string. */
const char *palisade_sha256_provider(void);

/* ---- Ed25519 (RFC 8032, pure) ---- */
int palisade_ed25519_generate(uint8_t seed[32], uint8_t public_key[32]);
int palisade_ed25519_public_from_seed(const uint8_t seed[32], uint8_t public_key[32]);
int palisade_ed25519_sign(const uint8_t seed[32], const uint8_t *message, size_t length,
                          uint8_t signature[64]);
/* PALISADE_OK when valid, PALISADE_ERR_BAD_SIGNATURE when not. */
int palisade_ed25519_verify(const uint8_t public_key[32], const uint8_t *message, size_t length,
                            const uint8_t signature[64]);

/* DER: PKCS#8 PrivateKeyInfo (version 0) and X.509 SubjectPublicKeyInfo.
 * Encoders write at most `capacity` bytes and report the length in *written. */
int palisade_ed25519_private_to_der(const uint8_t seed[32], uint8_t *out, size_t capacity,
                                    size_t *written);
int palisade_ed25519_private_from_der(const uint8_t *der, size_t length, uint8_t seed[32]);
int palisade_ed25519_public_to_der(const uint8_t public_key[32], uint8_t *out, size_t capacity,
                                   size_t *written);
int palisade_ed25519_public_from_der(const uint8_t *der, size_t length, uint8_t public_key[32]);

#ifdef __cplusplus
}
#endif
#endif
