"""Social gradient and inverse intervention (issue 5): counts, NB mixed models through R, scores, cross-tabulations, sample-size simulation, figures."""
