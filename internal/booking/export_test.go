package booking

// SetMeanwhile has fn run between each booking's reading and its writing.
func (s *Service) SetMeanwhile(fn func()) { s.meanwhile = fn }
