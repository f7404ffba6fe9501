import CoachCore
import CoachBuiltin
import CoachLLM
import Foundation
import Testing

/// The acceptance check of the builtin provider, independent of `ResumeFacts`: names are read
/// straight from the fixture's fields, and every question must contain one of them.
@Suite struct FixtureGroundingTests {
    static func namesIn(_ resume: ResumeContent) -> [String] {
        var names: [String] = []
        for work in resume.workExperiences {
            names.append(work.company)
            names += work.projectName.map { [$0] } ?? []
            names += work.techStack
        }
        for project in resume.personalProjects {
            names.append(project.name)
            names += project.techStack ?? []
        }
        names += resume.technicalSkills?.namedLists.flatMap(\.items) ?? []
        return names.filter { !$0.isEmpty }
    }

    @Test(arguments: [Language.ko, .en])
    func everyBuiltinQuestionNamesSomethingFromItsResume(language: Language) throws {
        var sets: [String: [String]] = [:]
        for (file, resume) in try ResumeFixtures.all() {
            let names = Self.namesIn(resume).map { $0.lowercased() }
            let options = QuestionOptions(language: language)
            let questions = BuiltinGenerator.questions(for: resume, options: options, seed: 0)
            #expect(GenerationValidator.violations(of: questions, resume: resume, options: options) == [], "\(file)")
            for question in questions {
                let text = question.question.lowercased()
                #expect(names.contains { text.contains($0) }, "\(file): \(question.question)")
            }
            let plan = BuiltinGenerator.learningPlan(for: resume, options: LearningOptions(language: language), seed: 0)
            #expect(GenerationValidator.violations(of: plan, resume: resume, options: LearningOptions(language: language)) == [], "\(file)")
            sets[file] = questions.map(\.question)
        }
        // Two different resumes never get the same questions.
        let all = Array(sets.values)
        for first in all.indices {
            for second in all.indices where second > first {
                #expect(Set(all[first]).isDisjoint(with: all[second]))
            }
        }
    }
}
