"""Staff training (业务培训) and conduct supervision (行风建设): plan items 14 and 15."""
