// Crypto++ behind a C ABI. Nothing thrown by Crypto++ may cross this file's boundary.
#include "palisade_crypto.h"

#include <cryptopp/cryptlib.h>
#include <cryptopp/osrng.h>
#include <cryptopp/queue.h>
#include <cryptopp/sha.h>
#include <cryptopp/xed25519.h>

#include <cstring>
#include <new>

using namespace CryptoPP;

struct palisade_sha256 {
    SHA256 hash;
};

namespace {

template <typename Body>
int guarded(Body body) {
    try {
        return body();
    } catch (const std::bad_alloc &) {
        return PALISADE_ERR_NO_MEMORY;
    } catch (const BERDecodeErr &) {
        return PALISADE_ERR_DECODE;
    } catch (const InvalidArgument &) {
        return PALISADE_ERR_ARGUMENT;
    } catch (...) {
        return PALISADE_ERR_INTERNAL;
    }
}

int copy_out(const ByteQueue &queue, uint8_t *out, size_t capacity, size_t *written) {
    const size_t size = static_cast<size_t>(queue.MaxRetrievable());
    if (written) *written = size;
    if (out == nullptr || capacity < size) return PALISADE_ERR_ARGUMENT;
    queue.CopyTo(ArraySink(out, capacity).Ref());
    return PALISADE_OK;
}

}  // namespace

extern "C" {

palisade_sha256 *palisade_sha256_new(void) {
    try {
        return new palisade_sha256();
    } catch (...) {
        return nullptr;
    }
}

void palisade_sha256_free(palisade_sha256 *ctx) { delete ctx; }

int palisade_sha256_update(palisade_sha256 *ctx, const uint8_t *data, size_t length) {
    if (ctx == nullptr || (data == nullptr && length != 0)) return PALISADE_ERR_ARGUMENT;
    return guarded([&] {
        if (length) ctx->hash.Update(data, length);
        return PALISADE_OK;
    });
}

int palisade_sha256_final(palisade_sha256 *ctx, uint8_t digest[32]) {
    if (ctx == nullptr || digest == nullptr) return PALISADE_ERR_ARGUMENT;
    return guarded([&] {
        ctx->hash.Final(digest);  // Final() also restarts the hash
        return PALISADE_OK;
    });
}

int palisade_sha256_oneshot(const uint8_t *data, size_t length, uint8_t digest[32]) {
    if ((data == nullptr && length != 0) || digest == nullptr) return PALISADE_ERR_ARGUMENT;
    return guarded([&] {
        SHA256 hash;
        hash.CalculateDigest(digest, data, length);
        return PALISADE_OK;
    });
}

const char *palisade_sha256_provider(void) {
    static const std::string name = [] {
        try {
            return SHA256().AlgorithmProvider();
        } catch (...) {
            return std::string("unknown");
        }
    }();
    return name.c_str();
}

int palisade_ed25519_generate(uint8_t seed[32], uint8_t public_key[32]) {
    if (seed == nullptr || public_key == nullptr) return PALISADE_ERR_ARGUMENT;
    return guarded([&] {
        AutoSeededRandomPool rng;
        ed25519Signer signer(rng);
        const ed25519PrivateKey &key = static_cast<const ed25519PrivateKey &>(signer.GetPrivateKey());
        std::memcpy(seed, key.GetPrivateKeyBytePtr(), 32);
        std::memcpy(public_key, key.GetPublicKeyBytePtr(), 32);
        return PALISADE_OK;
    });
}

int palisade_ed25519_public_from_seed(const uint8_t seed[32], uint8_t public_key[32]) {
    if (seed == nullptr || public_key == nullptr) return PALISADE_ERR_ARGUMENT;
    return guarded([&] {
        ed25519Signer signer(seed);
        const ed25519PrivateKey &key = static_cast<const ed25519PrivateKey &>(signer.GetPrivateKey());
        std::memcpy(public_key, key.GetPublicKeyBytePtr(), 32);
        return PALISADE_OK;
    });
}

int palisade_ed25519_sign(const uint8_t seed[32], const uint8_t *message, size_t length,
                          uint8_t signature[64]) {
    if (seed == nullptr || signature == nullptr || (message == nullptr && length != 0))
        return PALISADE_ERR_ARGUMENT;
    return guarded([&] {
        static const uint8_t empty = 0;
        ed25519Signer signer(seed);
        RandomNumberGenerator &rng = NullRNG();  // Ed25519 signing is deterministic
        signer.SignMessage(rng, length ? message : &empty, length, signature);
        return PALISADE_OK;
    });
}

int palisade_ed25519_verify(const uint8_t public_key[32], const uint8_t *message, size_t length,
                            const uint8_t signature[64]) {
    if (public_key == nullptr || signature == nullptr || (message == nullptr && length != 0))
        return PALISADE_ERR_ARGUMENT;
    return guarded([&] {
        static const uint8_t empty = 0;
        ed25519Verifier verifier(public_key);
        const bool ok = verifier.VerifyMessage(length ? message : &empty, length, signature, 64);
        return ok ? PALISADE_OK : PALISADE_ERR_BAD_SIGNATURE;
    });
}

int palisade_ed25519_private_to_der(const uint8_t seed[32], uint8_t *out, size_t capacity,
                                    size_t *written) {
    if (seed == nullptr) return PALISADE_ERR_ARGUMENT;
    return guarded([&] {
        ed25519Signer signer(seed);
        const ed25519PrivateKey &key = static_cast<const ed25519PrivateKey &>(signer.GetPrivateKey());
        ByteQueue queue;
        key.DEREncode(queue, 0);  // PKCS#8 v1 (version 0): no public key, as OpenSSL writes it
        return copy_out(queue, out, capacity, written);
    });
}

int palisade_ed25519_private_from_der(const uint8_t *der, size_t length, uint8_t seed[32]) {
    if (der == nullptr || seed == nullptr || length == 0) return PALISADE_ERR_ARGUMENT;
    return guarded([&] {
        ByteQueue queue;
        queue.Put(der, length);
        queue.MessageEnd();
        ed25519PrivateKey key;
        key.BERDecode(queue);
        if (queue.MaxRetrievable() != 0) return static_cast<int>(PALISADE_ERR_DECODE);  // trailing bytes
        std::memcpy(seed, key.GetPrivateKeyBytePtr(), 32);
        return static_cast<int>(PALISADE_OK);
    });
}

int palisade_ed25519_public_to_der(const uint8_t public_key[32], uint8_t *out, size_t capacity,
                                   size_t *written) {
    if (public_key == nullptr) return PALISADE_ERR_ARGUMENT;
    return guarded([&] {
        ed25519PublicKey key;
        key.SetPublicElement(public_key);
        ByteQueue queue;
        key.DEREncode(queue);
        return copy_out(queue, out, capacity, written);
    });
}

int palisade_ed25519_public_from_der(const uint8_t *der, size_t length, uint8_t public_key[32]) {
    if (der == nullptr || public_key == nullptr || length == 0) return PALISADE_ERR_ARGUMENT;
    return guarded([&] {
        ByteQueue queue;
        queue.Put(der, length);
        queue.MessageEnd();
        ed25519PublicKey key;
        key.BERDecode(queue);
        if (queue.MaxRetrievable() != 0) return static_cast<int>(PALISADE_ERR_DECODE);
        std::memcpy(public_key, key.GetPublicKeyBytePtr(), 32);
        return static_cast<int>(PALISADE_OK);
    });
}

}  // extern "C"
