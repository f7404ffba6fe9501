import CMongoC
import CoachCore
import Foundation

/// A BSON value as the stores build it: documents keep their key order (sort specs, index keys
/// and commands depend on it) and dates are real BSON dates.
indirect enum BSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    /// Milliseconds since 1970.
    case date(Int64)
    case array([BSON])
    case document([(key: String, value: BSON)])

    static func date(_ date: Date) -> BSON { .date(date.millisecondsSince1970) }

    /// The value of a JSON tree; object keys sorted, integral numbers as integers.
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 9_007_199_254_740_992 {
                self = .int(Int64(value))
            } else {
                self = .double(value)
            }
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(BSON.init))
        case .object(let members): self = .document(members.sorted { $0.key < $1.key }.map { ($0.key, BSON($0.value)) })
        }
    }

    /// Canonical-enough MongoDB extended JSON, the input of `bson_new_from_json`.
    var extendedJSON: String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value):
            if value >= Int64(Int32.min), value <= Int64(Int32.max) {
                output += String(value)
            } else {
                output += "{\"$numberLong\": \"\(value)\"}"
            }
        case .double(let value):
            // Swift prints the shortest representation that round-trips ("0.1", "1e-05", "2.0").
            output +=
                value.isFinite
                ? "\(value)" : "{\"$numberDouble\": \"\(value > 0 ? "Infinity" : value < 0 ? "-Infinity" : "NaN")\"}"
        case .string(let value): Self.writeString(value, to: &output)
        case .date(let millis): output += "{\"$date\": {\"$numberLong\": \"\(millis)\"}}"
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.write(to: &output)
            }
            output += "]"
        case .document(let members):
            output += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { output += "," }
                Self.writeString(member.key, to: &output)
                output += ":"
                member.value.write(to: &output)
            }
            output += "}"
        }
    }

    private static func writeString(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                output +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

extension BSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int64) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: BSON...) { self = .array(elements) }
    /// Keeps the literal's key order.
    init(dictionaryLiteral elements: (String, BSON)...) { self = .document(elements.map { (key: $0.0, value: $0.1) }) }
}

extension BSON {
    /// A document with `member` appended (or replaced in place when the key exists).
    func with(_ key: String, _ value: BSON) -> BSON {
        guard case .document(var members) = self else { return self }
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append((key, value))
        }
        return .document(members)
    }
}

/// A heap `bson_t` built from a `BSON` value, freed with its owner.
final class BSONDocument {
    let pointer: OpaquePointer

    init(_ value: BSON) throws(MongoFailure) {
        var error = bson_error_t()
        guard let pointer = bson_new_from_json(value.extendedJSON, -1, &error) else {
            throw MongoFailure(error)
        }
        self.pointer = pointer
    }

    deinit {
        bson_destroy(pointer)
    }
}

/// A reply `bson_t` that libmongoc fills in. `bson_t` is 128-byte aligned and opaque to Swift,
/// so it lives in raw aligned memory; `bson_init` first means destroying it is always safe,
/// whether or not the call wrote to it.
final class BSONReply {
    let pointer: OpaquePointer
    private let memory: UnsafeMutableRawPointer

    init() {
        memory = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 128)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: 128)
        pointer = OpaquePointer(memory)
        bson_init(pointer)
    }

    deinit {
        bson_destroy(pointer)
        memory.deallocate()
    }

    /// The reply as a JSON tree (dates as `{"$date": …}`).
    func json() throws(MongoFailure) -> JSONValue { try BSONReply.json(of: pointer) }

    /// Any `bson_t` as a JSON tree, through libbson's relaxed extended JSON.
    static func json(of document: OpaquePointer) throws(MongoFailure) -> JSONValue {
        var length = 0
        guard let text = bson_as_relaxed_extended_json(document, &length) else {
            throw MongoFailure(local: "document is not representable as JSON")
        }
        defer { bson_free(text) }
        let data = Data(bytes: text, count: length)
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw MongoFailure(local: "document JSON is unreadable")
        }
    }
}

extension JSONValue {
    /// Milliseconds of a relaxed-extended-JSON date (`{"$date": "…Z"}` or
    /// `{"$date": {"$numberLong": "…"}}`), or of a plain number.
    var bsonDateMillis: Int64? {
        switch self {
        case .number(let value): return Int64(value)
        case .object(let members):
            switch members["$date"] {
            case .string(let text)?: return Self.parseISO8601Millis(text)
            case .object(let inner)?: return inner["$numberLong"]?.stringValue.flatMap { Int64($0) }
            case .number(let value)?: return Int64(value)
            default: return nil
            }
        default: return nil
        }
    }

    /// Parses libbson's `YYYY-MM-DDTHH:MM:SS[.mmm]Z`.
    private static func parseISO8601Millis(_ text: String) -> Int64? {
        let utf8 = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= utf8.count else { return nil }
            var value = 0
            for byte in utf8[range] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard utf8.count >= 20, let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var millis = 0
        if utf8[19] == UInt8(ascii: ".") {
            var index = 20
            var digits = 0
            while index < utf8.count, utf8[index] >= 48, utf8[index] <= 57 {
                if digits < 3 { millis = millis * 10 + Int(utf8[index] - 48) }
                digits += 1
                index += 1
            }
            if digits < 3 {
                for _ in digits..<3 { millis *= 10 }
            }
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Int64(timegm(&parts)) * 1000 + Int64(millis)
    }
}
