namespace Grid.Compute.Clustering;

/// <summary>How the initial centres of a k-means run are chosen (scikit-learn's <c>init</c>).</summary>
public enum KMeansInit
{
    /// <summary>
    /// Greedy k-means++ (scikit-learn's <c>"k-means++"</c>, the default): each new centre is the best,
    /// by resulting potential, of several candidates drawn with probability proportional to the
    /// squared distance to the nearest centre chosen so far.
    /// </summary>
    KMeansPlusPlus,

    /// <summary>Distinct rows drawn uniformly at random (scikit-learn's <c>"random"</c>).</summary>
    Random,
}
