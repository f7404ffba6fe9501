import CoachCore
import Crypto
import Foundation

/// The shape of an API key and how its secret is kept: `ic_<id>_<secret>`, the id (16 hex
/// characters) visible in lists and logs, the secret (32 base-62 characters, ~190 bits) shown
/// once and stored only as HMAC-SHA-256 under the server's pepper.
public struct KeyCodec: Sendable {
    private let pepper: SymmetricKey

    /// `pepper`: the server-side secret every role shares (`COACH_KEY_PEPPER`).
    public init(pepper: String) {
        self.pepper = SymmetricKey(data: SHA256.hash(data: Data(pepper.utf8)))
    }

    /// A new key: its id, and the whole key to hand out once.
    public func generate() -> (id: String, key: String) {
        let id = Self.random(16, from: Self.hex)
        return (id, "ic_\(id)_\(Self.random(32, from: Self.base62))")
    }

    /// The id and secret of a presented key; `nil` when it does not have the shape of one.
    public static func parse(_ key: String) -> (id: String, secret: String)? {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "ic", parts[1].utf8.count == 16, parts[2].utf8.count == 32,
            parts[1].utf8.allSatisfy({ hex.contains($0) }), parts[2].utf8.allSatisfy({ base62.contains($0) })
        else { return nil }
        return (String(parts[1]), String(parts[2]))
    }

    /// The stored form of a key's secret (hex), bound to its id.
    public func hash(id: String, secret: String) -> String {
        Self.hex(mac(id: id, secret: secret))
    }

    /// The HMAC itself: what verification compares (with the stored hash decoded once).
    func mac(id: String, secret: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Data("\(id).\(secret)".utf8), using: pepper))
    }

    /// Lowercase hex (`String(format:)` per byte was a fifth of a keyed request's CPU).
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of a hex string; `nil` if it is not hex.
    static func bytes(hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30...0x39: digit - 0x30
            case 0x61...0x66: digit - 0x61 + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// Equal bytes, compared in time independent of where they differ.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// Compares in time independent of where the strings differ.
    public static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        // Hashing first makes the lengths equal, so the length does not leak either.
        let left = Array(SHA256.hash(data: Data(lhs.utf8)))
        let right = Array(SHA256.hash(data: Data(rhs.utf8)))
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    static let hex = Array("0123456789abcdef".utf8)
    static let base62 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    private static func random(_ count: Int, from alphabet: [UInt8]) -> String {
        var generator = SystemRandomNumberGenerator()
        return String(decoding: (0..<count).map { _ in alphabet.randomElement(using: &generator)! }, as: UTF8.self)
    }
}
