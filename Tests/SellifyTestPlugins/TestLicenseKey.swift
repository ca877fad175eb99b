public import Crypto
import Foundation
public import SellifyCore

/// A license key for tests only: `sellify-test-plugins` trusts it beside the
/// vendor's keys, so tests can sign licenses a server accepts. The shipped
/// `sellify` never trusts it.
public enum TestLicenseKey {
    public static let keyID = "sellify-test"
    /// The private key, as `sellify license sign --key` reads it (base64 of 32 raw bytes).
    public static let privateKeyBase64 = "/tckP45UIBeXGrgZQPPmu7wVVOqxVZY/uFnrULSdyuk="
    public static let publicKeyBase64 = "A3BW6yZX41sVWzcuW1NqBP/CKa572QHhW9aRaEd1pP8="

    public static var privateKey: Curve25519.Signing.PrivateKey {
        // The constant is a valid key; a typo here fails every test that signs.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: Data(base64Encoded: privateKeyBase64)!)
    }
}

extension LicenseVerifier {
    /// The vendor's keys and the test key.
    public static var withTestKey: LicenseVerifier {
        var trusted = LicenseVerifier.vendor.trusted
        trusted[TestLicenseKey.keyID] = TestLicenseKey.privateKey.publicKey
        return LicenseVerifier(trusted: trusted)
    }
}
