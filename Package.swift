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

let package = Package(
    name: "Palisade",
    products: [
        .executable(name: "palisade", targets: ["palisade"]),
        .executable(name: "palisade-endpoint", targets: ["palisade-endpoint"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Crypto++ (Debian libcrypto++-dev) behind a plain C header; exceptions never escape.
        .target(
            name: "CCryptoShim",
            linkerSettings: [.linkedLibrary("cryptopp")]
        ),
        .target(name: "PalisadeCrypto", dependencies: ["CCryptoShim"]),
        .target(name: "PalisadeCLI", dependencies: [
            "PalisadeCrypto",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "palisade", dependencies: ["PalisadeCLI"]),
        .executableTarget(name: "palisade-endpoint", dependencies: ["PalisadeCLI"]),

        .target(name: "PalisadeTestSupport", path: "Tests/PalisadeTestSupport"),
        .testTarget(name: "PalisadeCryptoTests", dependencies: ["PalisadeCrypto", "PalisadeTestSupport"]),
        .testTarget(name: "PalisadeCLITests", dependencies: ["PalisadeCLI", "PalisadeCrypto", "PalisadeTestSupport"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
