import Foundation

/// 24-hex-digit document ids shaped like MongoDB ObjectIds (4 bytes of seconds, 8 random bytes),
/// so the same id serves as `_id` in MongoDB and sorts roughly by creation time.
public enum DocumentID {
    public static func make(at date: Date = Date()) -> String {
        var bytes = [UInt8](repeating: 0, count: 12)
        let seconds = UInt32(truncatingIfNeeded: Int64(date.timeIntervalSince1970))
        bytes[0] = UInt8(seconds >> 24)
        bytes[1] = UInt8((seconds >> 16) & 0xff)
        bytes[2] = UInt8((seconds >> 8) & 0xff)
        bytes[3] = UInt8(seconds & 0xff)
        var generator = SystemRandomNumberGenerator()
        for index in 4..<12 { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// `{name}_{n}` resume keys.
public enum UniqueKey {
    public static func make(name: String, sequence: Int64) -> String { "\(name)_\(sequence)" }
}
