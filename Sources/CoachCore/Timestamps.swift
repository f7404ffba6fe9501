import Foundation

extension Date {
    /// RFC 3339 UTC with milliseconds and `Z`, e.g. `2026-11-27T10:15:30.123Z`.
    public var rfc3339: String {
        let seconds = millisecondsSince1970.quotientAndRemainder(dividingBy: 1000)
        var time = time_t(seconds.quotient)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(seconds.remainder))
    }

    /// Milliseconds since 1970, the precision every store keeps: rounded down, except that a time
    /// within a microsecond below a whole millisecond is that millisecond — a time that was a whole
    /// millisecond (read from `…22.680Z`, or through a protobuf `Timestamp`) can come back from
    /// `Double` as 22.67999…, and a filter from it would start a millisecond early.
    public var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000 + 0.001).rounded(.down)) }

    public init(millisecondsSince1970 millis: Int64) {
        self.init(timeIntervalSince1970: Double(millis) / 1000)
    }
}
