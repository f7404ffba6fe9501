import CoachCore

/// The page a listing's query asks for: its size (1-100; 0 lets the service choose) and where
/// the previous page ended ("" for the first page), each read from its parameter and checked.
/// One reading for every listing, whatever its parameters are called.
struct PageQuery {
    var size: Int32 = 0
    var token = ""

    /// Reads `sizeName` and `tokenName` from `query`. What is wrong with them is added to
    /// `violations`, so a route answers it together with its other parameters' problems.
    init(_ query: [String: String], size sizeName: String = "limit", token tokenName: String = "cursor", violations: inout [FieldViolation]) {
        if let text = query[sizeName] {
            if let value = Int32(text), (1...Int32(PageSize.maximum)).contains(value) {
                size = value
            } else {
                violations.append(FieldViolation(field: sizeName, message: "must be an integer between 1 and \(PageSize.maximum)"))
            }
        }
        if let text = query[tokenName], !TextRules.isBlank(text) {
            do { token = try PageCursor(token: text, field: tokenName).token } catch { violations += error.violations }
        }
    }

    /// The same, for a listing with no other parameters: throws what is wrong.
    init(_ query: [String: String]) throws(CoachError) {
        var violations: [FieldViolation] = []
        self.init(query, violations: &violations)
        if !violations.isEmpty { throw CoachError.validation(violations) }
    }
}
