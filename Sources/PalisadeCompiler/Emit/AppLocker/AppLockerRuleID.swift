import PalisadeCrypto

/// Deterministic rule Ids: a name-based UUID (RFC 9562 §5.8, version 8, SHA-256 — the
/// SHA-256 form of version 5) of the customer and the rule's content (collection, action,
/// user or group, conditions, exceptions). The same rule gets the same Id in every build;
/// editing a rule's name or description keeps its Id; editing what it matches changes it.
///
/// Written in AppLocker's form: 8-4-4-4-12 lower-case hex, no braces.
enum AppLockerRuleID {
    /// Palisade's namespace for these names (a fixed random UUID).
    static let namespace: [UInt8] = [0x6d, 0x0f, 0x3a, 0x52, 0x9b, 0x1e, 0x4c, 0x07, 0x8a, 0x44, 0x2e, 0x91, 0xd5, 0x63, 0x70, 0xbc]

    /// Microsoft's built-in default-rule Ids, reserved for exactly those rules.
    static let microsoftDefaults: Set<String> = [
        "921cc481-6e17-4653-8f75-050b80acca20", "a61c8b2c-a319-4cd0-9690-d2177cad7b51",
        "fd686d83-a829-4351-8ff4-27c7de5755d2", "06dce67b-934c-454f-a263-2515c8796a5d",
        "9428c672-5fc3-47f4-808a-a0011f36dd2c", "ed97d0cb-15ff-430f-b82c-8d7832957725",
        "bac4b0bf-6f1b-40e8-8627-8545fa89c8b6", "3737732c-99b7-41d4-9037-9cddfb0de0d0",
        "fe64f59f-6fca-45e5-a731-0f6715327c38", "b7af7102-efde-4369-8a89-7a6a392d1473",
        "5b290184-345a-4453-b184-45305f6d9a54", "64ad46ff-0d71-4fa0-a30b-3f3d30c5433d",
        "a9e18c21-ff8f-43cf-b9fc-db40eed693ba",
    ]

    static func make(customer: String, content: String) -> String {
        var input = namespace
        input += Array("palisade-applocker-rule-v1".utf8) + [0]
        input += Array(customer.utf8) + [0]
        input += Array(content.utf8)
        var bytes = Array(SHA256.hash(input).bytes.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80   // version 8
        bytes[8] = (bytes[8] & 0x3F) | 0x80   // variant 10
        return format(bytes)
    }

    static func format(_ bytes: [UInt8]) -> String {
        let hex = hexString(bytes)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4),
                     hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }
}
