import SwiftASN1
import X509

/// AppLocker's PublisherName: the signer certificate's subject as Windows prints it in publisher
/// rules, e.g. `O=CONTOSO TEST LTD, L=REDMOND, S=WASHINGTON, C=US`.
///
/// Rules (from Microsoft's samples and exported policies; see docs/reference applocker.md):
/// - with an `O` attribute: the keys `O L S C`, in that order, each present one once per value;
///   CN, OU and E are dropped (*inferred from all samples*); missing parts are omitted;
/// - without `O`: every attribute, most specific first (the reverse of the certificate's order);
/// - keys `CN OU O L S C DC E STREET`, where the state is `S` (not `ST`); others by OID;
/// - values upper-cased (character by character, as Windows does), joined by `", "`, with no
///   RFC 4514 escaping: a comma inside a value stays a bare comma.
public enum AppLockerPublisherName {
    public static func from(_ subject: DistinguishedName) -> String {
        var attributes: [(key: String, value: String)] = []
        for rdn in subject.reversed() {
            for attribute in rdn {
                attributes.append((key(for: attribute.type), AppLockerText.upper(text(attribute.value))))
            }
        }
        if attributes.contains(where: { $0.key == "O" }) {
            let order = ["O", "L", "S", "C"]
            attributes = order.flatMap { key in attributes.filter { $0.key == key } }
        }
        return attributes.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    static func key(for type: ASN1ObjectIdentifier) -> String {
        typealias T = ASN1ObjectIdentifier.RDNAttributeType
        switch type {
        case T.commonName: return "CN"
        case T.organizationalUnitName: return "OU"
        case T.organizationName: return "O"
        case T.localityName: return "L"
        case T.stateOrProvinceName: return "S"
        case T.countryName: return "C"
        case T.domainComponent: return "DC"
        case T.emailAddress: return "E"
        case T.streetAddress: return "STREET"
        default: return "OID.\(type)"
        }
    }

    /// The attribute's text: printable, UTF-8 and IA5 strings directly; BMPString (UTF-16BE),
    /// UniversalString (UTF-32BE) and TeletexString (read as Latin-1) decoded here.
    static func text(_ value: RelativeDistinguishedName.Attribute.Value) -> String {
        if let string = String(value) { return string }
        let any = ASN1Any(value)
        if let bmp = try? ASN1BMPString(asn1Any: any) {
            let bytes = Array(bmp.bytes)
            var units: [UInt16] = []
            var i = 0
            while i + 1 < bytes.count { units.append(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])); i += 2 }
            return String(decoding: units, as: UTF16.self)
        }
        if let universal = try? ASN1UniversalString(asn1Any: any) {
            let bytes = Array(universal.bytes)
            var scalars = String.UnicodeScalarView()
            var i = 0
            while i + 3 < bytes.count {
                let v = UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
                scalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                i += 4
            }
            return String(scalars)
        }
        if let teletex = try? ASN1TeletexString(asn1Any: any) {
            return String(String.UnicodeScalarView(teletex.bytes.map { Unicode.Scalar($0) }))
        }
        return String(describing: value)
    }
}

/// Text the way AppLocker stores publisher, product and binary names.
public enum AppLockerText {
    /// Upper case, one character for one: Windows maps characters individually (simple case
    /// mapping), so `ß` stays `ß` where Swift's `uppercased()` would write `SS`.
    public static func upper(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let mapped = scalar.properties.uppercaseMapping.unicodeScalars
            if mapped.count == 1, let single = mapped.first { out.append(single) } else { out.append(scalar) }
        }
        return String(out)
    }
}
