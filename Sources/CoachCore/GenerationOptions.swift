import Foundation

// Strict decoding of the optional generation bodies (unknown fields → 422) and their rules
// (lengths in code points, as in `TextRules`).

/// Longest provider name accepted in a generation body.
public let maxProviderName = 50

extension QuestionOptions {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            provider: try c.decodeIfPresent(String.self, forKey: .provider),
            language: try c.decodeIfPresent(Language.self, forKey: .language) ?? .ko,
            questionCount: try c.decodeIfPresent(Int.self, forKey: .questionCount) ?? 5,
            targetRole: try c.decodeIfPresent(String.self, forKey: .targetRole),
            jobDescription: try c.decodeIfPresent(String.self, forKey: .jobDescription),
            seed: try c.decodeIfPresent(Int64.self, forKey: .seed))
    }

    /// The options, or `VALIDATION_ERROR` naming every bad field.
    public func validated() throws(CoachError) -> QuestionOptions {
        var violations: [FieldViolation] = []
        if !Self.countRange.contains(questionCount) {
            violations.append(FieldViolation(field: "question_count", message: "must be between 3 and 8"))
        }
        if let description = jobDescription, TextRules.length(description) > Self.maxJobDescription {
            violations.append(FieldViolation(field: "job_description", message: "must be at most 8000 characters"))
        }
        violations += sharedOptionViolations(targetRole: targetRole, seed: seed, provider: provider)
        if !violations.isEmpty { throw CoachError.validation(violations) }
        return self
    }
}

extension LearningOptions {
    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            provider: try c.decodeIfPresent(String.self, forKey: .provider),
            language: try c.decodeIfPresent(Language.self, forKey: .language) ?? .ko,
            targetRole: try c.decodeIfPresent(String.self, forKey: .targetRole),
            focusAreas: try c.decodeIfPresent([String].self, forKey: .focusAreas) ?? [],
            timeCommitmentHoursPerWeek: try c.decodeIfPresent(Int.self, forKey: .timeCommitmentHoursPerWeek),
            seed: try c.decodeIfPresent(Int64.self, forKey: .seed),
            practiceSessionID: try c.decodeIfPresent(String.self, forKey: .practiceSessionID))
    }

    public func validated() throws(CoachError) -> LearningOptions {
        var violations: [FieldViolation] = []
        if let id = practiceSessionID, !(1...64).contains(id.utf8.count) || !id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) {
            violations.append(FieldViolation(field: "practice_session_id", message: "must be a practice session id (lowercase hex)"))
        }
        if let hours = timeCommitmentHoursPerWeek, !Self.hoursPerWeekRange.contains(hours) {
            violations.append(FieldViolation(field: "time_commitment_hours_per_week", message: "must be between 1 and 40"))
        }
        if focusAreas.count > Self.maxFocusAreas {
            violations.append(FieldViolation(field: "focus_areas", message: "must have at most 10 items"))
        }
        for (index, area) in focusAreas.enumerated() where TextRules.isBlank(area) || TextRules.length(area) > Self.maxFocusArea {
            violations.append(FieldViolation(field: "focus_areas[\(index)]", message: "must be 1-100 characters"))
        }
        violations += sharedOptionViolations(targetRole: targetRole, seed: seed, provider: provider)
        if !violations.isEmpty { throw CoachError.validation(violations) }
        return self
    }
}

/// The rules every kind's options share: `target_role`, `seed`, `provider`.
func sharedOptionViolations(targetRole: String?, seed: Int64?, provider: String?) -> [FieldViolation] {
    var violations: [FieldViolation] = []
    if let role = targetRole, TextRules.length(role) > QuestionOptions.maxTargetRole {
        violations.append(FieldViolation(field: "target_role", message: "must be at most \(QuestionOptions.maxTargetRole) characters"))
    }
    if let seed, !QuestionOptions.seedRange.contains(seed) {
        violations.append(FieldViolation(field: "seed", message: "must be between -(2^53-1) and 2^53-1"))
    }
    if let provider, TextRules.length(provider) > maxProviderName {
        violations.append(FieldViolation(field: "provider", message: "must be at most \(maxProviderName) characters"))
    }
    return violations
}
