import CoachCore
import Foundation

/// A `host:port` a gRPC service listens on.
public struct ServiceAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses a comma-separated `host:port[,host:port…]` list (IPv6 hosts in brackets).
    /// `option` names the flag in the error message.
    public static func parseList(_ text: String, option: String) throws -> [ServiceAddress] {
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw AddressError(message: "\(option): expected host:port[,host:port...]") }
        return try entries.map { entry in
            let host: Substring
            let portText: Substring
            if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
                host = entry[entry.index(after: entry.startIndex)..<close]
                let rest = entry[entry.index(after: close)...]
                guard rest.hasPrefix(":") else { throw AddressError(message: "\(option): missing port in '\(entry)'") }
                portText = rest.dropFirst()
            } else {
                guard let colon = entry.lastIndex(of: ":") else {
                    throw AddressError(message: "\(option): missing port in '\(entry)'")
                }
                host = entry[..<colon]
                portText = entry[entry.index(after: colon)...]
            }
            guard !host.isEmpty else { throw AddressError(message: "\(option): missing host in '\(entry)'") }
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw AddressError(message: "\(option): invalid port in '\(entry)'")
            }
            return ServiceAddress(host: String(host), port: port)
        }
    }
}

/// A malformed address list; the message names the option.
public struct AddressError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
