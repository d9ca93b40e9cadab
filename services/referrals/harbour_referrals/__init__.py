"""harbour_referrals."""
