namespace Bucketfs.Core.Tests.Model;

/// <summary>
/// Random sequences of filesystem operations and of another client's changes, played against the
/// core (over an in-memory bucket) and against a reference model of what a user must see. CI runs
/// one fixed seed; scripts/model-test.sh runs many more (BUCKETFS_MODEL_SEEDS, BUCKETFS_MODEL_STEPS).
/// </summary>
public sealed class ModelTests
{
    private const int FixedSeed = 1;
    private const int FixedSteps = 1500;

    [Fact]
    public async Task RandomOperationsShowWhatTheModelShows()
    {
        int steps = int.TryParse(Environment.GetEnvironmentVariable("BUCKETFS_MODEL_STEPS"), out var n) ? n : FixedSteps;
        var seeds = Environment.GetEnvironmentVariable("BUCKETFS_MODEL_SEEDS") is { Length: > 0 } list
            ? list.Split(',').Select(int.Parse).ToList()
            : [FixedSeed];
        foreach (var seed in seeds)
        {
            var sequence = Generate(seed, steps);
            if (await ModelRun.FailureAsync(sequence) is not { } failure) continue;
            var shortest = await ModelRun.ShrinkAsync(sequence, TimeSpan.FromMinutes(1));
            Assert.Fail($"seed {seed}: {failure}\n\nshortest failing sequence ({shortest.Count} steps):\n{string.Join("\n", shortest)}\n\nits failure: {await ModelRun.FailureAsync(shortest)}");
        }
    }

    /// <summary>The steps of one seed, each chosen against the model's state after the steps before it.</summary>
    private static List<Step> Generate(int seed, int count)
    {
        var generator = new StepGenerator(seed);
        var model = new ReferenceModel();
        var steps = new List<Step>(count);
        for (int i = 0; i < count; i++)
        {
            var step = generator.Next(model);
            step.Update(model);
            steps.Add(step);
        }
        return steps;
    }
}
