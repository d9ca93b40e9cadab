"""Messages on a referral between its two organisations."""
