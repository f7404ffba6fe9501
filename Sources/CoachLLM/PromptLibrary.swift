import CoachCore
import Foundation

/// A rendered prompt: system instructions, the user message carrying the resume as delimited
/// data, and the template version recorded with every result.
public struct Prompt: Sendable, Hashable {
    public var system: String
    public var user: String
    public var version: String

    public init(system: String, user: String, version: String) {
        self.system = system
        self.user = user
        self.version = version
    }
}

/// Versioned templates kept as resource files (`Prompts/<kind>-v<N>.<lang>.txt`).
public enum PromptLibrary {
    public static let questionsVersion = "questions-v2"
    public static let learningVersion = "learning-v2"
    public static let evaluationVersion = "evaluation-v1"

    public static func questions(resume: ResumeContent, options: QuestionOptions, corrections: [String] = []) -> Prompt {
        let facts = ResumeFacts(resume)
        let mix = facts.level.difficultyMix(count: options.questionCount)
        let ko = options.language == .ko
        var targetRules = ""
        var targetBlock = ""
        if options.targetRole?.isEmpty == false || options.jobDescription?.isEmpty == false {
            targetRules = ko
                ? "- 최소 2개의 질문은 이력서를 아래의 목표 직무/채용 공고와 연결합니다."
                : "- At least two questions connect the resume to the target role / job description below."
            targetBlock = "<target>\n"
            if let role = options.targetRole, !role.isEmpty { targetBlock += "role: \(dataLine(role))\n" }
            if let description = options.jobDescription, !description.isEmpty {
                targetBlock += "job_description: \(dataLine(description))\n"
            }
            targetBlock += "</target>"
        }
        let values: [String: String] = [
            "question_count": String(options.questionCount),
            "min_distinct_types": String(Int((Double(4 * options.questionCount) / 5).rounded(.up))),
            "level": facts.level.rawValue,
            "experience_months": String(resume.totalExperienceMonths ?? 0),
            "difficulty_mix": Difficulty.allCases.map { "\($0.rawValue) \(mix[$0] ?? 0)" }.joined(separator: ", "),
            "target_rules": targetRules,
            "target_block": targetBlock + correctionBlock(corrections, ko: ko),
            "resume_json": resumeJSON(resume),
        ]
        return render(template: "\(questionsVersion).\(options.language.rawValue)", values: values, version: questionsVersion)
    }

    public static func learningPath(resume: ResumeContent, options: LearningOptions, corrections: [String] = []) -> Prompt {
        let facts = ResumeFacts(resume)
        let ko = options.language == .ko
        // What the client wrote goes in the user message as delimited data; the system part only
        // refers to it, so no option can add to or cut the instructions.
        var rules: [String] = []
        var optionLines: [String] = []
        if let role = options.targetRole, !role.isEmpty {
            rules.append(ko ? "- <options>의 target_role(목표 직무)에 맞춥니다." : "- Aim the plan at the target_role given in <options>.")
            optionLines.append("target_role: \(dataLine(role))")
        }
        if !options.focusAreas.isEmpty {
            rules.append(
                ko ? "- <options>의 focus_areas 각각을 최소 한 항목의 title 또는 description에 그대로 포함합니다."
                    : "- Cover each of the focus_areas given in <options> by name in at least one item's title or description.")
            optionLines.append("focus_areas: " + options.focusAreas.map(dataLine).joined(separator: "; "))
        }
        if let hours = options.timeCommitmentHoursPerWeek {
            rules.append(ko ? "- 주당 \(hours)시간 학습을 기준으로 계획합니다." : "- Plan for \(hours) hours of study per week.")
        }
        let values: [String: String] = [
            "level": facts.level.rawValue,
            "experience_months": String(resume.totalExperienceMonths ?? 0),
            "plan_rules": rules.joined(separator: "\n"),
            "options_block": optionLines.isEmpty ? "" : "<options>\n" + optionLines.joined(separator: "\n") + "\n</options>",
            "plan_block": correctionBlock(corrections, ko: ko),
            "resume_json": resumeJSON(resume),
        ]
        return render(template: "\(learningVersion).\(options.language.rawValue)", values: values, version: learningVersion)
    }

    /// An answer to score: the question, its key points and the answer as delimited data (the
    /// answer keeps its lines, but no `</` in it can close its block), the resume when it grounds
    /// the evaluation.
    public static func evaluation(_ input: EvaluationInput, resume: ResumeContent?, corrections: [String] = []) -> Prompt {
        let ko = input.language == .ko
        let question = input.question
        var lines = [
            "type: \(dataLine(question.type))", "behavioural: \(Rubric.isBehavioural(question.type))",
            "topic: \(dataLine(question.topic))", "question: \(dataLine(question.question))", "key_points:",
        ]
        lines += question.whatGoodAnswersCover.enumerated().map { "\($0.offset + 1). \(dataLine($0.element))" }
        let criteria = Rubric.weights(for: question.type).map { "\($0.0.rawValue) (\($0.1) %)" }.joined(separator: ", ")
        let values: [String: String] = [
            "criteria": criteria,
            "question_block": lines.joined(separator: "\n"),
            "answer": input.answer.replacingOccurrences(of: "</", with: "<\\/"),
            "resume_block": resume.map { "<resume>\n\(resumeJSON($0))\n</resume>" } ?? "",
            "corrections": correctionBlock(corrections, ko: ko),
        ]
        return render(template: "\(evaluationVersion).\(input.language.rawValue)", values: values, version: evaluationVersion)
    }

    static func correctionBlock(_ corrections: [String], ko: Bool) -> String {
        guard !corrections.isEmpty else { return "" }
        let header = ko ? "이전 답변이 다음 규칙을 어겼습니다. 모두 고쳐서 다시 답하십시오:" : "Your previous answer broke these rules. Fix all of them:"
        return "\n" + header + "\n" + corrections.map { "- \($0)" }.joined(separator: "\n")
    }

    /// The resume without its contact details (no template asks for them, so they never leave
    /// the process), pretty-printed. Every `</` in it becomes `<\/` (the same JSON string), so
    /// no text in any case (`</resume>`, `</RESUME>`, `</options>`) can close a data block.
    static func resumeJSON(_ resume: ResumeContent) -> String {
        var resume = resume
        resume.contact = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(resume)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return json.replacingOccurrences(of: "</", with: "<\\/")
    }

    /// A client-supplied value as one line of a data block: line breaks become spaces (a value
    /// cannot forge another line) and `</` cannot close the block.
    static func dataLine(_ value: String) -> String {
        String(value.unicodeScalars.map { TextRules.isWhitespace($0) ? " " : Character($0) })
            .replacingOccurrences(of: "</", with: "<\\/")
    }

    /// The template is split into its system and user parts before anything is filled in, so a
    /// value containing the divider cannot move text from one part to the other.
    static func render(template name: String, values: [String: String], version: String) -> Prompt {
        let template = templates[name] ?? ""
        let system: String
        let user: String
        if let divider = TextSearch.range(of: "=== user ===", in: template) {
            system = fill(String(template[..<divider.lowerBound]), values)
            user = fill(String(template[divider.upperBound...]), values).trimmedWhitespace
        } else {
            system = fill(template, values)
            user = ""
        }
        let header = "=== system ==="
        let trimmedSystem = system.trimmedWhitespace
        return Prompt(
            system: trimmedSystem.hasPrefix(header) ? trimmedSystem.dropFirst(header.count).trimmedWhitespace : trimmedSystem,
            user: user, version: version)
    }

    /// `template` with every `{{key}}` of `values` replaced, in one pass; unknown placeholders stay.
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var output = ""
        output.reserveCapacity(template.utf8.count + values.values.reduce(0) { $0 + $1.utf8.count })
        var position = template.startIndex
        while let open = TextSearch.range(of: "{{", in: template, from: position),
            let close = TextSearch.range(of: "}}", in: template, from: open.upperBound)
        {
            let key = String(template[open.upperBound..<close.lowerBound])
            output += template[position..<open.lowerBound]
            if let value = values[key] {
                output += value
            } else {
                output += template[open.lowerBound..<close.upperBound]
            }
            position = close.upperBound
        }
        output += template[position...]
        return output
    }

    /// The templates by name (`questions-v2.ko`), compiled in from `Prompts/` (`EmbeddedPrompts`).
    static let templates: [String: String] = {
        var templates: [String: String] = [:]
        for (file, bytes) in EmbeddedPrompts.files where file.hasSuffix(".txt") {
            templates[String(file.dropLast(4))] = String(decoding: bytes, as: UTF8.self)
        }
        return templates
    }()
}
