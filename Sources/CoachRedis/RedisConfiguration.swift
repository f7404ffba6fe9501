import Foundation

/// Where a Redis server is and how to talk to it, usually parsed from `REDIS_URL`.
public struct RedisConfiguration: Sendable, Hashable {
    /// Host name or IP address (an IPv6 address without brackets).
    public var host: String
    public var port: Int
    /// For `AUTH` (with `username` when set, Redis 6 ACLs); `nil` for no authentication.
    public var password: String?
    public var username: String?
    /// The logical database (`SELECT`), 0 by default.
    public var database: Int
    /// How long opening a connection may take.
    public var connectTimeout: Duration
    /// Socket timeout of a short command; a blocking read gets its block time plus this.
    public var commandTimeout: Duration

    public init(
        host: String = "127.0.0.1", port: Int = 6379, password: String? = nil, username: String? = nil, database: Int = 0,
        connectTimeout: Duration = .seconds(2), commandTimeout: Duration = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.password = password
        self.username = username
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// Parses `redis://[[username]:password@]host[:port][/db]` (the password may be
    /// percent-encoded; an IPv6 host goes in brackets). Throws `RedisError.invalidURL`.
    public init(url: String) throws {
        self.init()
        let invalid = { (why: String) in RedisError.invalidURL("\(why) (expected redis://[:password@]host:port[/db])") }
        guard url.lowercased().hasPrefix("redis://") else {
            throw url.lowercased().hasPrefix("rediss://") ? invalid("TLS (rediss://) is not supported") : invalid("not a redis:// URL")
        }
        var rest = Substring(url.dropFirst("redis://".count))
        if let query = rest.firstIndex(of: "?") { rest = rest[..<query] }

        var authority = rest
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        }

        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            let user: Substring
            let password: Substring?
            if let colon = userInfo.firstIndex(of: ":") {
                user = userInfo[..<colon]
                password = userInfo[userInfo.index(after: colon)...]
            } else {
                // `redis://secret@host` is how many clients spell a password without a user.
                user = ""
                password = userInfo
            }
            guard let decodedUser = String(user).removingPercentEncoding,
                let decodedPassword = password.map({ String($0).removingPercentEncoding })
            else { throw invalid("bad percent-encoding in the credentials") }
            self.username = decodedUser.isEmpty ? nil : decodedUser
            self.password = decodedPassword.flatMap { $0.isEmpty ? nil : $0 }
            if self.username != nil && self.password == nil { throw invalid("a user name needs a password") }
        }

        var hostPart = authority
        var portPart: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw invalid("unclosed [ in the host") }
            let after = hostPart[hostPart.index(after: close)...]
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("junk after the IPv6 host") }
                portPart = after.dropFirst()
            }
        } else if let colon = hostPart.lastIndex(of: ":") {
            portPart = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        if !hostPart.isEmpty { self.host = String(hostPart) }
        if let portPart {
            guard let port = Int(portPart), (1...65535).contains(port) else { throw invalid("bad port \"\(portPart)\"") }
            self.port = port
        }
        if !path.isEmpty {
            guard let database = Int(path), database >= 0 else { throw invalid("bad database number \"\(path)\"") }
            self.database = database
        }
    }
}

extension RedisConfiguration: CustomStringConvertible {
    /// The URL without the password, for logs.
    public var description: String {
        let credentials = password == nil ? "" : "\(username ?? ""):***@"
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "redis://\(credentials)\(host):\(port)/\(database)"
    }
}
