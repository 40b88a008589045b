import Foundation
import PalisadeCrypto
import PalisadeTestSupport
import PalisadeWindows
import SwiftASN1
import Testing
import X509

/// Publisher, product, binary name and version read back from signed fixtures equal what the
/// fixture script put into the certificate and the VERSIONINFO resource.
@Suite("Publisher fields from signed binaries")
struct PublisherTests {
    @Test("signed executables and DLLs", arguments: [
        ("signed-hello32.exe", "ORIGINAL_FILENAME"), ("signed-hello64.exe", "ORIGINAL_FILENAME"),
        ("signed-lib64.dll", "DLL_ORIGINAL_FILENAME"),
    ])
    func publisherFields(_ name: String, _ originalKey: String) throws {
        let fixtures = try PEFixtures.get()
        let info = try AppLockerFileInformation.read(path: RawPath(fixtures.path(name)))
        let publisher = try #require(info.publisher)
        #expect(publisher.publisherName == fixtures.expected["APPLOCKER_PUBLISHER"])
        #expect(publisher.productName == fixtures.expected["PRODUCT_NAME"]!.uppercased())
        #expect(publisher.binaryName == fixtures.expected[originalKey]!.uppercased())
        #expect(publisher.binaryVersion == fixtures.expected["FILE_VERSION"])
        #expect(info.versionInfo?.productVersion == fixtures.expected["PRODUCT_VERSION"])
        #expect(info.versionInfo?.companyName == fixtures.expected["COMPANY_NAME"])
        #expect(info.signatureProblem == nil)
        #expect(publisher.display == "\(publisher.publisherName)\\\(publisher.productName)\\\(publisher.binaryName),\(publisher.binaryVersion!)")
    }

    @Test("the signer is the throw-away certificate")
    func signerCertificate() throws {
        let fixtures = try PEFixtures.get()
        let source = try FileByteSource(path: RawPath(fixtures.path("signed-hello64.exe")))
        let image = try PEImage.parse(source)
        let signature = try #require(try AuthenticodeSignature.read(image, source: source))
        let expected = try Certificate(derEncoded: try fixtures.bytes("signer.der"))
        #expect(signature.signer == expected)
        #expect(signature.digestAlgorithm == AuthenticodeSignature.sha256OID)
    }

    @Test("a signed file without VERSIONINFO has an empty product and binary name")
    func noVersionResource() throws {
        let fixtures = try PEFixtures.get()
        let info = try AppLockerFileInformation.read(path: RawPath(fixtures.path("signed-lib32.dll")))
        #expect(info.versionInfo == nil)
        let publisher = try #require(info.publisher)
        #expect(publisher.publisherName == fixtures.expected["APPLOCKER_PUBLISHER"])
        #expect(publisher.productName == "")
        #expect(publisher.binaryName == "")
        #expect(publisher.binaryVersion == nil)
    }

    @Test("unsigned files have no publisher but keep their version resource")
    func unsigned() throws {
        let fixtures = try PEFixtures.get()
        let info = try AppLockerFileInformation.read(path: RawPath(fixtures.path("hello64.exe")))
        #expect(info.publisher == nil)
        #expect(info.signatureDigestMatches == nil)
        #expect(info.versionInfo?.productName == fixtures.expected["PRODUCT_NAME"])
        #expect(info.versionInfo?.originalFilename == fixtures.expected["ORIGINAL_FILENAME"])
        #expect(info.versionInfo?.fileVersion == fixtures.expected["FILE_VERSION"])
    }

    @Test("a file changed after signing: the signed digest no longer matches")
    func tamperedAfterSigning() throws {
        let fixtures = try PEFixtures.get()
        var bytes = try fixtures.bytes("signed-hello64.exe")
        let image = try PEImage.parse(MemoryByteSource(bytes))
        let section = try #require(image.sections.first { $0.name == ".text" })
        bytes[Int(section.pointerToRawData) + 16] ^= 0xFF
        let info = try AppLockerFileInformation.read(MemoryByteSource(bytes), fileName: "x.exe")
        #expect(info.signatureDigestMatches == false)
        #expect(info.publisher != nil)
    }

    // MARK: - PublisherName form, on constructed subjects

    @Test("O L S C order, CN/OU dropped, S for the state, values upper-cased, commas raw")
    func organizationForm() throws {
        let dn = try DistinguishedName {
            CountryName("US")
            StateOrProvinceName("Washington")
            LocalityName("Redmond")
            OrganizationName("Contoso, Ltd.")
            OrganizationalUnitName("Build")
            CommonName("Contoso Code Signing")
        }
        #expect(AppLockerPublisherName.from(dn) == "O=CONTOSO, LTD., L=REDMOND, S=WASHINGTON, C=US")
    }

    @Test("missing parts are omitted")
    func partial() throws {
        let dn = try DistinguishedName {
            CountryName("DE")
            OrganizationName("Straße GmbH")
            CommonName("x")
        }
        // Simple (one-for-one) upper-casing: ß stays ß, as Windows maps it.
        #expect(AppLockerPublisherName.from(dn) == "O=STRAßE GMBH, C=DE")
    }

    @Test("without O: the whole subject, most specific first")
    func noOrganization() throws {
        let dn = try DistinguishedName {
            DomainComponent("com")
            DomainComponent("example")
            CommonName("Build Signer")
        }
        #expect(AppLockerPublisherName.from(dn) == "CN=BUILD SIGNER, DC=EXAMPLE, DC=COM")
    }
}
