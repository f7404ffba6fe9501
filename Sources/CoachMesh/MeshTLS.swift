import Foundation
import GRPCNIOTransportHTTP2
import NIOSSL

/// TLS of the mesh, from PEM files: what this process serves with and how it checks its peers.
/// Plaintext (no certificate, no CA) stays the default for loopback.
public struct MeshTLS: Sendable, Equatable {
    /// This process's certificate chain and private key: its gRPC port and the edge's HTTPS serve
    /// them, and it presents them as a client certificate to the roles it calls.
    public var certificateFile: String?
    public var keyFile: String?
    /// The CA that signed the mesh's certificates: this process's clients verify servers against
    /// it (and use TLS at all only when it is given); with `requireClientCertificates` its
    /// servers also require a client certificate signed by it (mTLS).
    public var caFile: String?
    public var requireClientCertificates: Bool
    /// Whether clients check that the server's certificate names the host they dialled (on by
    /// default; off for certificates that do not carry the names peers use).
    public var verifyHostname: Bool

    public init(
        certificateFile: String? = nil, keyFile: String? = nil, caFile: String? = nil, requireClientCertificates: Bool = false,
        verifyHostname: Bool = true
    ) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.caFile = caFile
        self.requireClientCertificates = requireClientCertificates
        self.verifyHostname = verifyHostname
    }

    /// Whether this process serves TLS.
    public var serves: Bool { certificateFile != nil && keyFile != nil }

    /// The server side of the gRPC port.
    var serverSecurity: HTTP2ServerTransport.Posix.TransportSecurity {
        guard let certificateFile, let keyFile else { return .plaintext }
        return .tls(
            certificateChain: [.file(path: certificateFile, format: .pem)], privateKey: .file(path: keyFile, format: .pem)
        ) { config in
            if requireClientCertificates, let caFile {
                config.clientCertificateVerification = .noHostnameVerification
                config.trustRoots = .certificates([.file(path: caFile, format: .pem)])
            }
        }
    }

    /// The client side of calls to other roles: TLS when a CA is given, presenting this
    /// process's certificate when it has one.
    var clientSecurity: HTTP2ClientTransport.Posix.TransportSecurity {
        guard let caFile else { return .plaintext }
        return .tls { config in
            config.trustRoots = .certificates([.file(path: caFile, format: .pem)])
            config.serverCertificateVerification = verifyHostname ? .fullVerification : .noHostnameVerification
            if let certificateFile, let keyFile {
                config.certificateChain = [.file(path: certificateFile, format: .pem)]
                config.privateKey = .file(path: keyFile, format: .pem)
            }
        }
    }
}

/// A TLS setting that cannot work, said in the words of the setting.
public struct MeshTLSError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

extension MeshTLS {
    /// What the user called each file: `serve` takes flags, the client commands variables.
    public struct SettingNames: Sendable {
        public var certificate: String
        public var key: String
        public var ca: String

        /// `serve`'s `--tls-cert`, `--tls-key` and `COACH_TLS_CA`.
        public static let serve = SettingNames(certificate: "--tls-cert", key: "--tls-key", ca: "COACH_TLS_CA")
        /// The client commands' `COACH_TLS_CERT`, `COACH_TLS_KEY` and `COACH_TLS_CA`.
        public static let environment = SettingNames(certificate: "COACH_TLS_CERT", key: "COACH_TLS_KEY", ca: "COACH_TLS_CA")
    }

    /// Checks the files before anything connects: the certificate and key come together, and
    /// every file named is readable PEM. Unchecked, a file that is not PEM fails only when the
    /// first connection is made, and in the gRPC transport that is a crash.
    public func check(_ names: SettingNames) throws(MeshTLSError) {
        if (certificateFile == nil) != (keyFile == nil) {
            throw MeshTLSError(description: "\(names.certificate) and \(names.key) go together")
        }
        for (file, name) in [(certificateFile, names.certificate), (keyFile, names.key), (caFile, names.ca)] {
            if let file, !FileManager.default.isReadableFile(atPath: file) {
                throw MeshTLSError(description: "\(name): cannot read \(file)")
            }
        }
        func read(_ file: String?, _ name: String, as what: String, _ load: (String) throws -> Bool) throws(MeshTLSError) {
            guard let file else { return }
            let found: Bool
            do {
                found = try load(file)
            } catch {
                throw MeshTLSError(description: "\(name): \(file) is not a usable PEM \(what) (\(error))")
            }
            if !found { throw MeshTLSError(description: "\(name): no \(what) in \(file)") }
        }
        try read(certificateFile, names.certificate, as: "certificate chain") { !(try NIOSSLCertificate.fromPEMFile($0)).isEmpty }
        try read(keyFile, names.key, as: "private key") { _ = try NIOSSLPrivateKey(file: $0, format: .pem); return true }
        try read(caFile, names.ca, as: "CA certificate") { !(try NIOSSLCertificate.fromPEMFile($0)).isEmpty }
    }
}
