// swift-tools-version: 6.0
//
// Palisade: application allowlist/denylist policies in Swift, compiled into the files that
// fapolicyd, AppArmor and AppLocker load. The target graph follows the pipeline:
//
//   policies/ (Policies) ─► PalisadeDSL ─► PalisadeModel ─► PalisadeCompiler ─► bundle
//                                                      └──► PalisadeVerifier  (endpoints)
//   PalisadeCrypto (over CCryptoShim → Crypto++) is used by the compiler and the verifier.
//   PalisadeCLI holds every command; `palisade` and `palisade-endpoint` are thin mains.
import PackageDescription

// PALISADE_STATIC=1 (set only by .ci/build-endpoint) links Crypto++'s static archive instead of the
// shared library, followed by the C++ runtime and libm it needs, so that `-static-executable`
// yields an endpoint binary with no runtime dependencies. Normal builds are unaffected.
let staticEndpoint = Context.environment["PALISADE_STATIC"] == "1"

let package = Package(
    name: "Palisade",
    products: [
        .executable(name: "palisade", targets: ["palisade"]),
        .executable(name: "palisade-endpoint", targets: ["palisade-endpoint"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.0.0"),
    ],
    targets: [
        // Crypto++ (Debian libcrypto++-dev) behind a plain C header; exceptions never escape.
        .target(
            name: "CCryptoShim",
            linkerSettings: staticEndpoint
                ? [.linkedLibrary(":libcryptopp.a"), .linkedLibrary("stdc++"), .linkedLibrary("m")]
                : [.linkedLibrary("cryptopp")]
        ),
        .target(name: "PalisadeCrypto", dependencies: ["CCryptoShim", "CSystem"]),
        // System calls Swift's Glibc module lacks (renameat2 for atomic bundle replacement, fstatfs
        // for the engine to tell /proc and sysfs files), and zlib's deflate for deterministic .tar.gz archives.
        .target(name: "CSystem", linkerSettings: [.linkedLibrary("z")]),

        // The versioned policy model: knows nothing of backends, files or crypto.
        .target(name: "PalisadeModel"),
        // What policies/ imports: customers, baselines, Linux/Windows sections, Allow/Deny.
        .target(name: "PalisadeDSL", dependencies: ["PalisadeModel"]),

        // Resolver, checks, one folder per backend emitter, bundle writer.
        .target(name: "PalisadeCompiler", dependencies: ["PalisadeModel", "PalisadeCrypto", "CSystem", "PalisadeWindows"]),
        // PE reader, Authenticode hash, VERSIONINFO, signer/publisher: AppLocker's file facts, on Linux.
        .target(name: "PalisadeWindows", dependencies: [
            "PalisadeCrypto", "PalisadeModel",
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ]),

        // Endpoint checks against a bundle: drift, denied and unlisted software, deployment.
        .target(name: "PalisadeVerifier", dependencies: ["PalisadeModel", "PalisadeCrypto", "PalisadeWindows"]),

        .target(name: "PalisadeCLI", dependencies: [
            "PalisadeCrypto", "PalisadeModel", "PalisadeCompiler", "PalisadeVerifier", "PalisadeWindows",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // policies/: the MSP's customers, compiled by SwiftPM; the registry is generated from the files.
        .target(name: "Policies", dependencies: ["PalisadeDSL", "PalisadeModel"], path: "policies",
                plugins: ["RegistryPlugin"]),
        .executableTarget(name: "palisade-registry", path: "Sources/RegistryGenerator"),
        .plugin(name: "RegistryPlugin", capability: .buildTool(), dependencies: ["palisade-registry"],
                path: "Sources/RegistryPlugin"),

        // The MSP's binary (with policies) and the endpoint binary (same commands, no policies).
        .executableTarget(name: "palisade", dependencies: ["PalisadeCLI", "Policies"]),
        .executableTarget(name: "palisade-endpoint", dependencies: ["PalisadeCLI"]),
        // Benchmarks only (Tests/Benchmarks): never shipped.
        .executableTarget(name: "palisade-bench", dependencies: ["PalisadeCrypto", "PalisadeCompiler", "PalisadeModel"]),

        .target(name: "PalisadeTestSupport", path: "Tests/PalisadeTestSupport"),
        .testTarget(name: "PalisadeCryptoTests", dependencies: ["PalisadeCrypto", "PalisadeTestSupport"]),
        .testTarget(name: "PalisadeCLITests", dependencies: ["PalisadeCLI", "PalisadeCrypto", "PalisadeTestSupport"]),
        .testTarget(name: "PalisadeCompilerTests", dependencies: [
            "PalisadeCompiler", "PalisadeDSL", "PalisadeModel", "PalisadeCrypto", "PalisadeTestSupport", "Policies",
        ], exclude: ["Golden"]),
        .testTarget(name: "PalisadeVerifierTests", dependencies: [
            "PalisadeVerifier", "PalisadeCompiler", "PalisadeDSL", "PalisadeModel", "PalisadeCrypto", "PalisadeTestSupport",
        ]),
        // Each backend's tests run the real tool (fapolicyd's parser, apparmor_parser).
        .testTarget(name: "FapolicydTests", dependencies: [
            "PalisadeCompiler", "PalisadeDSL", "PalisadeModel", "PalisadeTestSupport",
        ]),
        .testTarget(name: "AppArmorTests", dependencies: [
            "PalisadeCompiler", "PalisadeDSL", "PalisadeModel", "PalisadeTestSupport",
        ], exclude: ["Fixtures"]),
        // PE fixtures are built at test time with mingw-w64 and checked against osslsigncode and pesign.
        .testTarget(name: "PalisadeWindowsTests", dependencies: [
            "PalisadeWindows", "PalisadeCrypto", "PalisadeTestSupport",
        ], exclude: ["Fixtures"]),
        .testTarget(name: "AppLockerTests", dependencies: [
            "PalisadeCompiler", "PalisadeDSL", "PalisadeModel", "PalisadeWindows", "PalisadeCrypto", "PalisadeTestSupport",
        ], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
